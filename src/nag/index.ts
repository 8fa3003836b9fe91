export * from './imdsv2-checks';
