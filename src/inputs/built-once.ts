/**
 * A schema (or anything costly to make) built the first time it is asked for, then kept. zod
 * builds a schema's objects when its definition runs: at module load, that is a cost every run
 * pays, also the runs that never read the input the schema is for.
 */
export function builtOnce<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
