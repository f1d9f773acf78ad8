using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// The conv VAE's encoder (LDM's Encoder, small): conv 3×3 in → per level residual blocks, then a stride-2
/// conv except after the last level → a middle residual block → GroupNorm, SiLU, conv 3×3 out to
/// <c>outChannels</c> (2d for a VAE: mean and log-variance; LDM's separate 1×1 "quant_conv" is folded in).
/// </summary>
public sealed class ConvEncoder : nn.Module<Tensor, Tensor>
{
    readonly Conv2d convIn;
    readonly ModuleList<nn.Module<Tensor, Tensor>> levels;
    readonly ResnetBlock middle;
    readonly GroupNorm normOut;
    readonly Conv2d convOut;

    public ConvEncoder(int imageChannels, int outChannels, int downsamplings, ConvVaeArchitecture a) : base(nameof(ConvEncoder))
    {
        convIn = nn.Conv2d(imageChannels, a.ChannelsAt(0), 3, padding: 1);
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int channels = a.ChannelsAt(0);
        for (int level = 0; level <= downsamplings; level++)
        {
            int width = a.ChannelsAt(level);
            for (int b = 0; b < a.ResBlocksPerLevel; b++)
            {
                layers.Add(new ResnetBlock(channels, width));
                channels = width;
            }
            if (level < downsamplings)
                layers.Add(nn.Conv2d(channels, channels, 3, stride: 2, padding: 1));     // H → H/2
        }
        levels = new ModuleList<nn.Module<Tensor, Tensor>>(layers.ToArray());
        middle = new ResnetBlock(channels, channels);
        normOut = ResnetBlock.Norm(channels);
        convOut = nn.Conv2d(channels, outChannels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>Forward FLOPs per image of side <paramref name="imageSize"/> (<see cref="ConvFlops"/>).</summary>
    public double ForwardFlops(int imageSize)
    {
        int size = imageSize;
        double flops = ConvFlops.Of(convIn, size);
        foreach (var layer in levels)
        {
            if (layer is ResnetBlock block) flops += block.ForwardFlops(size);
            else if (layer is Conv2d down)
            {
                flops += ConvFlops.Of(down, size);
                size = ConvFlops.OutputSize(down, size);
            }
        }
        return flops + middle.ForwardFlops(size) + ConvFlops.Of(convOut, size);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = convIn.forward(x);
        foreach (var layer in levels) h = layer.forward(h);
        h = middle.forward(h);
        return convOut.forward(nn.functional.silu(normOut.forward(h))).MoveToOuterDisposeScope();
    }
}
