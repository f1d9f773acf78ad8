using LDae.Data;
using LDae.Method.Baselines;
using static TorchSharp.torch;

namespace LDae.Tests.Evaluation.FineTuning;

/// <summary>Tiny encoders and image sets for the fine-tuning tests.</summary>
static class FineTuneFixtures
{
    /// <summary>A plain-ViT MAE on 8×8 one-channel images, 4×4 patches, width 16, <paramref name="blocks"/> encoder blocks.</summary>
    public static MaskedAutoencoder Mae(int blocks, long seed = 0)
    {
        using var g = new Generator((ulong)seed, CPU);
        return new MaskedAutoencoder(8, 1, 4, 16, blocks, 2, 2.0, 16, 1, new MaeOptions(), g);
    }

    /// <summary>
    /// Two classes of 8×8 images that no crop, flip or mild colour change confuses: class 0 is dark with noise, class 1
    /// bright with noise.
    /// </summary>
    public static ImageDataset Separable(int n, long seed)
    {
        using var g = new Generator((ulong)seed, CPU);
        var labels = randint(0, 2, [n], dtype: ScalarType.Int64, generator: g);
        var level = labels.to(ScalarType.Float32).view(-1, 1, 1, 1) * 140 + 40;
        var images = (level + randn([n, 1, 8, 8], generator: g) * 25).clamp(0, 255).to(ScalarType.Byte);
        return new ImageDataset("separable", images, labels, ["dark", "bright"]);
    }
}
