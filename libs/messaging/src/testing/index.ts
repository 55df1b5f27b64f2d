export * from './transport-contract';
export * from './sample-ticket-events';
export * from './handle-in-transaction';
export * from './older-event-log';
