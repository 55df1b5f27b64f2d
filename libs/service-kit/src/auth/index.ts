export * from './principal';
export * from './token-verifier';
export * from './jwks-status';
export * from './authenticate';
export * from './oidc-verifier';
export * from './site-links';
