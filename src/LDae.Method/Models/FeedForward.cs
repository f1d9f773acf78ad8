using LDae.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Models;

/// <summary>The block MLP: Linear → GELU (tanh approximation, as DiT) → Linear.</summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    readonly Linear fc1, fc2;

    public FeedForward(int width, int hidden) : base(nameof(FeedForward))
    {
        fc1 = nn.Linear(width, hidden);
        fc2 = nn.Linear(hidden, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Autocast.Linear(fc2, Ops.GeluTanh(Autocast.Linear(fc1, x))).MoveToOuterDisposeScope();
    }
}
