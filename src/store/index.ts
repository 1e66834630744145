/** The durable store: open it, then call the small async functions of each module. */
export * from './db';
export * from './errors';
export * from './schema';
export * from './feedback';
export * from './checkpoints';
export * from './runs';
export * from './conversations';
export * from './import';
export * from './persistence';
