/**
 * What dense and conv layers share: PyTorch's default draw of a weight of
 * `count` values with `fanIn` inputs per output, then its bias (nn.Linear and
 * nn.Conv2d's reset_parameters: kaiming_uniform_(a=√5), that is
 * U(±√3·gain/√fan_in) with gain √(2/(1 + a²)), and U(±1/√fan_in)); in NTK
 * parameterization N(0, 1) for both, by torch.randn; and the scales the
 * forward pass applies (1, or σ_w/√fan_in and σ_b).
 */
import type { TorchGenerator } from '../model/torchRandom';
import type { InitOptions } from './types';

export function drawWeightAndBias(count: number, outputs: number, fanIn: number, options: InitOptions, generator: TorchGenerator): { weight: Float32Array; bias: Float32Array } {
  if (options.parameterization === 'ntk') return { weight: generator.randn(count), bias: generator.randn(outputs) };
  const a = Math.sqrt(5); // as PyTorch writes it: a ** 2 is 5.000000000000001
  const gain = Math.sqrt(2.0 / (1 + a ** 2));
  const weightBound = Math.sqrt(3.0) * (gain / Math.sqrt(fanIn));
  const weight = generator.uniform(count, -weightBound, weightBound);
  const biasBound = 1 / Math.sqrt(fanIn);
  return { weight, bias: generator.uniform(outputs, -biasBound, biasBound) };
}

export function scalesFor(fanIn: number, options: Pick<InitOptions, 'parameterization' | 'sigmaW' | 'sigmaB'>): { weightScale: number; biasScale: number } {
  return options.parameterization === 'ntk' ? { weightScale: options.sigmaW / Math.sqrt(fanIn), biasScale: options.sigmaB } : { weightScale: 1, biasScale: 1 };
}
