using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// LDM/VQGAN's residual block: GroupNorm → SiLU → conv 3×3 → GroupNorm → SiLU → conv 3×3, added to the input
/// (through a 1×1 conv when the channel count changes). No dropout (LDM's autoencoders use none).
/// </summary>
public sealed class ResnetBlock : nn.Module<Tensor, Tensor>
{
    readonly GroupNorm norm1, norm2;
    readonly Conv2d conv1, conv2;
    readonly Conv2d? skip;

    public ResnetBlock(int inChannels, int outChannels) : base(nameof(ResnetBlock))
    {
        norm1 = Norm(inChannels);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        norm2 = Norm(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1);
        skip = inChannels == outChannels ? null : nn.Conv2d(inChannels, outChannels, 1);
        RegisterComponents();
    }

    /// <summary>
    /// GroupNorm with up to 8 groups. LDM uses 32 groups on 128+ channels; our small networks have 16–64
    /// channels, so 8 groups keeps at least 2 channels per group.
    /// </summary>
    public static GroupNorm Norm(int channels)
    {
        int groups = new[] { 8, 4, 2, 1 }.First(g => channels % g == 0);
        return nn.GroupNorm(groups, channels, eps: 1e-6);
    }

    /// <summary>Forward FLOPs per image at spatial side <paramref name="size"/> (<see cref="ConvFlops"/>).</summary>
    public double ForwardFlops(int size) =>
        ConvFlops.Of(conv1, size) + ConvFlops.Of(conv2, size) + (skip is null ? 0 : ConvFlops.Of(skip, size));

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv1.forward(nn.functional.silu(norm1.forward(x)));
        h = conv2.forward(nn.functional.silu(norm2.forward(h)));
        var shortcut = skip is null ? x : skip.forward(x);
        return (shortcut + h).MoveToOuterDisposeScope();
    }
}
