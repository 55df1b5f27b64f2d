/** The PostgreSQL schema of rating: its tables, messaging tables and timers. */
export const RATING_SCHEMA = 'rating';
