using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// The patch-wise tokenizers' encoder V (the paper, Table 2): one linear map of every flattened p×p×C patch
/// (D values) to <c>outChannels</c> values, applied to each patch on its own — a conv with kernel p and stride p.
/// Images N×C×H×W → N×out×(H/p)×(W/p).
/// </summary>
/// <remarks>
/// The map has a bias besides the out×D matrix: it plays the part of PCA's centring with the training mean
/// (our pixels are in [-1, 1], not normalised per channel), so no latent direction is spent on the mean patch.
/// </remarks>
public sealed class PatchEncoder : nn.Module<Tensor, Tensor>
{
    readonly Conv2d linear;

    public PatchEncoder(int imageChannels, int patch, int outChannels) : base(nameof(PatchEncoder))
    {
        linear = nn.Conv2d(imageChannels, outChannels, patch, stride: patch);
        RegisterComponents();
    }

    /// <summary>The matrix V as out×D, its columns in the (row, column, channel) order of <see cref="Patches.Patchify"/>.</summary>
    public Tensor Matrix
    {
        get
        {
            using var scope = NewDisposeScope();
            var w = linear.weight!;                                   // out×C×p×p
            return w.permute(0, 2, 3, 1).reshape(w.shape[0], -1).MoveToOuterDisposeScope();
        }
    }

    public override Tensor forward(Tensor x) => linear.forward(x);
}
