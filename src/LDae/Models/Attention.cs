using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Models;

/// <summary>Multi-head self-attention (one fused qkv projection, scaled dot-product attention, output projection).</summary>
public sealed class Attention : nn.Module<Tensor, Tensor>
{
    readonly Linear qkv, proj;
    readonly int heads;

    public Attention(int width, int heads) : base(nameof(Attention))
    {
        this.heads = heads;
        qkv = nn.Linear(width, 3 * width);
        proj = nn.Linear(width, width);
        RegisterComponents();
    }

    /// <summary>x: N×L×width → N×L×width.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], length = x.shape[1], width = x.shape[2];
        var parts = qkv.forward(x).reshape(n, length, 3, heads, width / heads).permute(2, 0, 3, 1, 4).unbind(0);
        var attended = nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]);   // N×heads×L×head_dim
        return proj.forward(attended.transpose(1, 2).reshape(n, length, width)).MoveToOuterDisposeScope();
    }
}
