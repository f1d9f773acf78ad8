using LDae.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Models;

/// <summary>
/// DiT's adaLN-Zero block. The conditioning vector c regresses a shift, scale and gate for the attention and the
/// MLP branch; the regression is zero-initialised, so every gate starts at 0 and the block starts as the identity:
/// <code>
/// x = x + gate_msa · attn(modulate(norm(x), shift_msa, scale_msa))
/// x = x + gate_mlp · mlp(modulate(norm(x), shift_mlp, scale_mlp))
/// </code>
/// with norm a LayerNorm without affine parameters and modulate(x̂, shift, scale) = x̂·(1 + scale) + shift.
/// </summary>
public sealed class AdaLnZeroBlock : nn.Module<Tensor, Tensor?, Tensor>, IDropPathBlock
{
    /// <summary>DiT's LayerNorm ε.</summary>
    internal const double Eps = 1e-6;

    static readonly Scalar One = 1.0;

    readonly Attention attn;
    readonly FeedForward mlp;
    readonly Linear adaLNModulation;

    /// <param name="conditioningWidth">Dimension of c (DiT: width; the paper: width/4, <see cref="BackboneOptions.ConditioningWidth"/>).</param>
    public AdaLnZeroBlock(int width, int heads, int mlpHidden, int conditioningWidth) : base(nameof(AdaLnZeroBlock))
    {
        attn = new Attention(width, heads);
        mlp = new FeedForward(width, mlpHidden);
        adaLNModulation = nn.Linear(conditioningWidth, 6 * width);
        RegisterComponents();
    }

    /// <summary>Drops either branch per sample while fine-tuning; null (pretraining, probing): never.</summary>
    public DropPath? DropPath { get; set; }

    Tensor Drop(Tensor branch) => DropPath is { } d ? d.Apply(branch, training) : branch;

    /// <summary>The c → (shift, scale, gate)×2 regression (zero at init).</summary>
    public Linear Modulation => adaLNModulation;

    /// <summary>x: N×L×width, c: N×conditioning width.</summary>
    public override Tensor forward(Tensor x, Tensor? c)
    {
        if (c is null) throw new ArgumentNullException(nameof(c), "an adaLN-Zero block needs a conditioning vector");
        using var scope = NewDisposeScope();
        var m = adaLNModulation.forward(nn.functional.silu(c)).unsqueeze(1).chunk(6, 2);
        // m: shift, scale, gate of the attention branch, then of the MLP branch; each N×1×width
        x = Gated(x, m[2], Drop(attn.forward(Ops.NormModulate(x, m[0], m[1], Eps))));
        x = Gated(x, m[5], Drop(mlp.forward(Ops.NormModulate(x, m[3], m[4], Eps))));
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The gated residual x + gate·branch (addcmul: one pass instead of a multiply and an add).</summary>
    static Tensor Gated(Tensor x, Tensor gate, Tensor branch) => addcmul(x, gate, branch, One);
}
