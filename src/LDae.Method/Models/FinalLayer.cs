using LDae.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Models;

/// <summary>
/// DiT's final layer: LayerNorm (modulated by c when conditioned) and a zero-initialised linear map from
/// width to k·k·C_out values per token.
/// </summary>
public sealed class FinalLayer : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly LayerNorm norm;
    readonly Linear linear;
    readonly Linear? adaLNModulation;

    /// <param name="conditioningWidth">Dimension of c when the layer is modulated; null = a plain LayerNorm with affine parameters.</param>
    public FinalLayer(int width, int outPerToken, int? conditioningWidth) : base(nameof(FinalLayer))
    {
        norm = nn.LayerNorm(width, eps: AdaLnZeroBlock.Eps, elementwise_affine: conditioningWidth is null);
        linear = nn.Linear(width, outPerToken);
        adaLNModulation = conditioningWidth is { } c ? nn.Linear(c, 2 * width) : null;
        RegisterComponents();
    }

    public Linear Output => linear;
    public Linear? Modulation => adaLNModulation;

    public override Tensor forward(Tensor x, Tensor? c)
    {
        using var scope = NewDisposeScope();
        Tensor h;
        if (adaLNModulation is not null)
        {
            if (c is null) throw new ArgumentNullException(nameof(c), "a conditioned final layer needs a conditioning vector");
            var m = adaLNModulation.forward(nn.functional.silu(c)).unsqueeze(1).chunk(2, 2);
            h = Ops.NormModulate(x, m[0], m[1], AdaLnZeroBlock.Eps);
        }
        else h = norm.forward(x);
        return Autocast.Linear(linear, h).MoveToOuterDisposeScope();
    }
}
