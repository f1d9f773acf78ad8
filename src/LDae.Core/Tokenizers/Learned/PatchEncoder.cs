using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// Encodes every p×p×C patch on its own (no context across patches), as a conv with kernel p and stride p:
/// a one-hidden-layer MLP (conv p×p → SiLU → conv 1×1) or, with <c>hidden = 0</c>, a single linear map.
/// Images N×C×H×W → N×out×(H/p)×(W/p).
/// </summary>
public sealed class PatchEncoder : nn.Module<Tensor, Tensor>
{
    readonly Conv2d first;
    readonly Conv2d? second;

    public PatchEncoder(int imageChannels, int patch, int hidden, int outChannels) : base(nameof(PatchEncoder))
    {
        if (hidden < 0) throw new ArgumentOutOfRangeException(nameof(hidden));
        if (hidden == 0)
            first = nn.Conv2d(imageChannels, outChannels, patch, stride: patch);
        else
        {
            first = nn.Conv2d(imageChannels, hidden, patch, stride: patch);
            second = nn.Conv2d(hidden, outChannels, 1);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = first.forward(x);
        if (second is not null) h = second.forward(nn.functional.silu(h));
        return h.MoveToOuterDisposeScope();
    }
}
