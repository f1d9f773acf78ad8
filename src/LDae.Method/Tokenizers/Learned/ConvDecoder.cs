using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// The conv VAE's decoder, mirroring <see cref="ConvEncoder"/>: conv 3×3 in → middle residual block → per level
/// (coarsest first) residual blocks, then ×2 nearest-neighbour upsampling + conv 3×3 except after the finest
/// level → GroupNorm, SiLU, conv 3×3 out to the image channels.
/// </summary>
public sealed class ConvDecoder : nn.Module<Tensor, Tensor>
{
    readonly Conv2d convIn;
    readonly ResnetBlock middle;
    readonly ModuleList<nn.Module<Tensor, Tensor>> levels;
    readonly GroupNorm normOut;
    readonly Conv2d convOut;

    public ConvDecoder(int latentDim, int imageChannels, int upsamplings, ConvVaeArchitecture a) : base(nameof(ConvDecoder))
    {
        int channels = a.ChannelsAt(upsamplings);
        convIn = nn.Conv2d(latentDim, channels, 3, padding: 1);
        middle = new ResnetBlock(channels, channels);
        var layers = new List<nn.Module<Tensor, Tensor>>();
        for (int level = upsamplings; level >= 0; level--)
        {
            int width = a.ChannelsAt(level);
            for (int b = 0; b < a.ResBlocksPerLevel; b++)
            {
                layers.Add(new ResnetBlock(channels, width));
                channels = width;
            }
            if (level > 0)
            {
                layers.Add(new Upsample(channels, a.ChannelsAt(level - 1)));
                channels = a.ChannelsAt(level - 1);
            }
        }
        levels = new ModuleList<nn.Module<Tensor, Tensor>>(layers.ToArray());
        normOut = ResnetBlock.Norm(channels);
        convOut = nn.Conv2d(channels, imageChannels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>The last conv's weight (for the adaptive adversarial weight).</summary>
    public Tensor LastLayerWeight => convOut.weight!;

    /// <summary>Forward FLOPs per latent grid of side <paramref name="latentSize"/> (<see cref="ConvFlops"/>).</summary>
    public double ForwardFlops(int latentSize)
    {
        int size = latentSize;
        double flops = ConvFlops.Of(convIn, size) + middle.ForwardFlops(size);
        foreach (var layer in levels)
        {
            if (layer is ResnetBlock block) flops += block.ForwardFlops(size);
            else if (layer is Upsample up)
            {
                size *= 2;
                flops += up.ForwardFlops(size);
            }
        }
        return flops + ConvFlops.Of(convOut, size);
    }

    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = middle.forward(convIn.forward(z));
        foreach (var layer in levels) h = layer.forward(h);
        return convOut.forward(nn.functional.silu(normOut.forward(h))).MoveToOuterDisposeScope();
    }

    /// <summary>×2 nearest-neighbour upsampling followed by a conv 3×3 (LDM's Upsample; here it may also change the channel count).</summary>
    sealed class Upsample : nn.Module<Tensor, Tensor>
    {
        readonly Conv2d conv;

        public Upsample(int inChannels, int outChannels) : base(nameof(Upsample))
        {
            conv = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
            RegisterComponents();
        }

        /// <summary>Forward FLOPs at the upsampled side <paramref name="size"/>.</summary>
        public double ForwardFlops(int size) => ConvFlops.Of(conv, size);

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            // nearest-neighbour ×2 as a broadcast copy: the same values as interpolate(mode: nearest), but its
            // backward is a plain sum (libtorch's CPU upsample_nearest2d backward is several times slower)
            long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
            var up = x.reshape(n, c, h, 1, w, 1).expand(n, c, h, 2, w, 2).reshape(n, c, 2 * h, 2 * w);
            return conv.forward(up).MoveToOuterDisposeScope();
        }
    }
}
