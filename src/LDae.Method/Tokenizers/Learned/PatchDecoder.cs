using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// The patch-wise tokenizers' decoder Uᵀ (the paper, Table 2): each latent cell (d values) is mapped linearly, on
/// its own, to a p×p×C patch (a 1×1 conv to p²C channels) and the patches are put back in place
/// (depth-to-space, <see cref="Patches.GridToImage"/>). Like the encoder it has a bias, the counterpart of
/// adding PCA's mean back.
/// </summary>
public sealed class PatchDecoder : nn.Module<Tensor, Tensor>
{
    readonly Conv2d linear;
    readonly int patch, imageChannels;

    public PatchDecoder(int latentDim, int patch, int imageChannels) : base(nameof(PatchDecoder))
    {
        this.patch = patch;
        this.imageChannels = imageChannels;
        linear = nn.Conv2d(latentDim, patch * patch * imageChannels, 1);
        RegisterComponents();
    }

    /// <summary>The layer's weight (for the adaptive adversarial weight).</summary>
    public Tensor LastLayerWeight => linear.weight!;

    /// <summary>The matrix Uᵀ as D×d, its rows in the (row, column, channel) order of <see cref="Patches.Patchify"/>.</summary>
    public Tensor Matrix
    {
        get
        {
            using var scope = NewDisposeScope();
            var w = linear.weight!;                                   // D×d×1×1
            return w.reshape(w.shape[0], w.shape[1]).MoveToOuterDisposeScope();
        }
    }

    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        return Patches.GridToImage(linear.forward(z), patch, imageChannels).MoveToOuterDisposeScope();
    }
}
