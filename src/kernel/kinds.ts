/** The kernels a network has: its NTK, and the NNGP (the covariance of its outputs at initialisation). */
export const KERNEL_KINDS = ['ntk', 'nngp'] as const;
export type KernelKind = (typeof KERNEL_KINDS)[number];
