/** The PostgreSQL schema of escalation: its tables, messaging tables and timers. */
export const ESCALATION_SCHEMA = 'escalation';
