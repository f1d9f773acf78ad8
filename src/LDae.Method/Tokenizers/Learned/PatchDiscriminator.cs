using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// VQGAN's PatchGAN discriminator, small: <c>layers</c> conv 4×4 stride-2 blocks with LeakyReLU(0.2), channels
/// doubling from <c>width</c>, then a conv 4×4 stride 1 to one logit per receptive-field patch. Images
/// N×C×H×W in [-1, 1] → logits N×1×h×w. VQGAN places BatchNorm after the inner convs; we leave normalisation
/// out so that real and fake batches are scored independently of each other. Weights start at N(0, 0.02).
/// </summary>
public sealed class PatchDiscriminator : nn.Module<Tensor, Tensor>
{
    readonly Sequential body;

    public PatchDiscriminator(int imageChannels, int width = 32, int layers = 2) : base(nameof(PatchDiscriminator))
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers));
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int channels = imageChannels;
        for (int i = 0; i < layers; i++)
        {
            int next = width << i;
            modules.Add(($"conv{i}", nn.Conv2d(channels, next, 4, stride: 2, padding: 1)));
            modules.Add(($"act{i}", nn.LeakyReLU(0.2)));
            channels = next;
        }
        modules.Add(("logits", nn.Conv2d(channels, 1, 4, stride: 1, padding: 1)));
        body = nn.Sequential(modules);
        RegisterComponents();
    }

    public static PatchDiscriminator Create(int imageChannels, Generator g, int width = 32, int layers = 2)
    {
        var d = new PatchDiscriminator(imageChannels, width, layers);
        SeededInit.Normal(d, 0.02, g);
        return d;
    }

    public override Tensor forward(Tensor images) => body.forward(images);

    /// <summary>Forward FLOPs per image of side <paramref name="imageSize"/> (<see cref="ConvFlops"/>).</summary>
    public double ForwardFlops(int imageSize)
    {
        double flops = 0;
        int size = imageSize;
        foreach (var conv in body.children().OfType<Conv2d>())
        {
            flops += ConvFlops.Of(conv, size);
            size = ConvFlops.OutputSize(conv, size);
        }
        return flops;
    }
}
