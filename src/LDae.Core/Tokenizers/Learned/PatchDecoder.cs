using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// Mirror of <see cref="PatchEncoder"/>: each latent cell (d values) is decoded on its own to a p×p×C patch by a
/// one-hidden-layer MLP (two 1×1 convs with SiLU) or, with <c>hidden = 0</c>, one linear map; the p²C outputs
/// per cell are put back in place (depth-to-space, <see cref="Patches.GridToImage"/>).
/// </summary>
public sealed class PatchDecoder : nn.Module<Tensor, Tensor>
{
    readonly Conv2d first;
    readonly Conv2d? second;
    readonly int patch, imageChannels;

    public PatchDecoder(int latentDim, int hidden, int patch, int imageChannels) : base(nameof(PatchDecoder))
    {
        if (hidden < 0) throw new ArgumentOutOfRangeException(nameof(hidden));
        this.patch = patch;
        this.imageChannels = imageChannels;
        int outChannels = patch * patch * imageChannels;
        if (hidden == 0)
            first = nn.Conv2d(latentDim, outChannels, 1);
        else
        {
            first = nn.Conv2d(latentDim, hidden, 1);
            second = nn.Conv2d(hidden, outChannels, 1);
        }
        RegisterComponents();
    }

    /// <summary>The last layer's weight (for the adaptive adversarial weight).</summary>
    public Tensor LastLayerWeight => (second ?? first).weight!;

    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = first.forward(z);
        if (second is not null) h = second.forward(nn.functional.silu(h));
        return Patches.GridToImage(h, patch, imageChannels).MoveToOuterDisposeScope();
    }
}
