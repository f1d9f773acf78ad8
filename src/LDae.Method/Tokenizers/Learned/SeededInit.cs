using LDae.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// Re-draws the weights of every conv and linear of a module from an explicit generator, so a seed fixes a
/// network's initial state (TorchSharp 0.107's nn.init ignores generators; Tensor.uniform_/normal_ honour them).
/// </summary>
public static class SeededInit
{
    /// <summary>
    /// PyTorch's default layer init: weight and bias uniform in ±1/√fan_in (fan_in = in_channels · k · k); GroupNorm
    /// scale 1 and shift 0 (set explicitly: TorchSharp 0.107's GroupNorm leaves its affine parameters uninitialised).
    /// </summary>
    public static void Default(nn.Module module, Generator g)
    {
        using var _ = no_grad();
        foreach (var norm in WeightInit.SelfAndSubmodules(module).OfType<GroupNorm>())
        {
            norm.weight?.fill_(1.0);
            norm.bias?.zero_();
        }
        foreach (var (weight, bias) in Layers(module))
        {
            double bound = 1.0 / Math.Sqrt(weight.numel() / weight.shape[0]);
            weight.uniform_(-bound, bound, g);
            bias?.uniform_(-bound, bound, g);
        }
    }

    /// <summary>He (Kaiming) normal init for ReLU networks: weights N(0, 2/fan_in), biases zero.</summary>
    public static void KaimingNormal(nn.Module module, Generator g)
    {
        using var _ = no_grad();
        foreach (var (weight, bias) in Layers(module))
        {
            weight.normal_(0, Math.Sqrt(2.0 / (weight.numel() / weight.shape[0])), g);
            bias?.zero_();
        }
    }

    /// <summary>DCGAN/VQGAN discriminator init: weights N(0, std), biases zero.</summary>
    public static void Normal(nn.Module module, double std, Generator g)
    {
        using var _ = no_grad();
        foreach (var (weight, bias) in Layers(module))
        {
            weight.normal_(0, std, g);
            bias?.zero_();
        }
    }

    static IEnumerable<(Tensor Weight, Tensor? Bias)> Layers(nn.Module module)
    {
        foreach (var m in WeightInit.SelfAndSubmodules(module))
            switch (m)
            {
                case Conv2d conv: yield return (conv.weight!, conv.bias); break;
                case Linear linear: yield return (linear.weight!, linear.bias); break;
            }
    }
}
