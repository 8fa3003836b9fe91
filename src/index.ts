export * from './engine/rule-id';
