export * from './transport-contract';
export * from './sample-ticket-events';
