output "image_id" {
  description = "The deployed image, as the golden record names it"
  value       = local.image_id
}

output "promoted_at" {
  description = "When driftspec promoted the deployed image"
  value       = local.golden.promotedAt
}
