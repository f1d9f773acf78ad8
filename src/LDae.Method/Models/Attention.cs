using LDae.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Models;

/// <summary>Multi-head self-attention: one fused qkv projection, softmax(QKᵀ/√d)·V per head, output projection.</summary>
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
        return Autocast.Linear(proj, Ops.Attention(Autocast.Linear(qkv, x), heads)).MoveToOuterDisposeScope();
    }
}
