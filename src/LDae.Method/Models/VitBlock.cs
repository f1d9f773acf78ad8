using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Models;

/// <summary>A plain pre-LN ViT block, used where no conditioning is applied; the conditioning argument is ignored.</summary>
public sealed class VitBlock : nn.Module<Tensor, Tensor?, Tensor>, IDropPathBlock
{
    readonly LayerNorm norm1, norm2;
    readonly Attention attn;
    readonly FeedForward mlp;

    public VitBlock(int width, int heads, int mlpHidden) : base(nameof(VitBlock))
    {
        norm1 = nn.LayerNorm(width, eps: 1e-6);
        attn = new Attention(width, heads);
        norm2 = nn.LayerNorm(width, eps: 1e-6);
        mlp = new FeedForward(width, mlpHidden);
        RegisterComponents();
    }

    /// <summary>Drops either branch per sample while fine-tuning; null (pretraining, probing): never.</summary>
    public DropPath? DropPath { get; set; }

    public override Tensor forward(Tensor x, Tensor? c)
    {
        using var scope = NewDisposeScope();
        x = x + Drop(attn.forward(norm1.forward(x)));
        x = x + Drop(mlp.forward(norm2.forward(x)));
        return x.MoveToOuterDisposeScope();
    }

    Tensor Drop(Tensor branch) => DropPath is { } d ? d.Apply(branch, training) : branch;
}
