using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Models;

/// <summary>
/// Initialisers that draw from an explicit generator. TorchSharp 0.107's xavier_uniform_ takes no generator,
/// and nn.init.uniform_/normal_ accept one but ignore it (two equal seeds give different draws), so these
/// call Tensor.uniform_/normal_, which honour it.
/// </summary>
public static class WeightInit
{
    /// <summary>Xavier/Glorot uniform for a weight whose first dimension is fan-out and the rest fan-in.</summary>
    public static void XavierUniform(Tensor weight, Generator generator, double gain = 1.0)
    {
        long fanOut = weight.shape[0];
        long fanIn = weight.numel() / fanOut;
        double bound = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        using var _ = no_grad();
        weight.uniform_(-bound, bound, generator);
    }

    public static void Normal(Tensor weight, double std, Generator generator)
    {
        using var _ = no_grad();
        weight.normal_(0, std, generator);
    }

    /// <summary>
    /// The module and every module below it, in order. TorchSharp's modules() lists only the submodules, so an
    /// initialiser given a bare Linear or Conv2d would find nothing to initialise.
    /// </summary>
    public static IEnumerable<nn.Module> SelfAndSubmodules(nn.Module module) => module.modules().Prepend(module);

    public static void Zero(Tensor? tensor)
    {
        if (tensor is null) return;
        using var _ = no_grad();
        tensor.zero_();
    }
}
