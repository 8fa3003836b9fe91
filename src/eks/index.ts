export * from './imdsv2-eks-nodegroup';
export * from './imdsv2-eks-v2-nodegroup';
