export * from './engine/rule-id';
export * from './aspects/enforcement-mode';
export * from './aspects/imdsv2-report';
export * from './aspects/imdsv2-aspect';
