export * from './entries.js';
export * from './lookup.js';
export * from './sections.js';
