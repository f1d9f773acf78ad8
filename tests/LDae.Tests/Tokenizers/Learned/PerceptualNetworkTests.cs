using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers.Learned;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Tokenizers.Learned;

public class PerceptualNetworkTests : IClassFixture<PerceptualNetworkFixture>
{
    /// <summary>The accuracy the network must reach before it may stand in for LPIPS's VGG (also the trainer's default).</summary>
    const double Required = 0.80;

    readonly PerceptualNetworkFixture f;

    public PerceptualNetworkTests(PerceptualNetworkFixture fixture)
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        f = fixture;
    }

    [Fact]
    public void Reaches_the_required_test_accuracy_on_fashion_mnist()
    {
        Assert.True(f.TestAccuracy >= Required, $"perceptual network test accuracy {f.TestAccuracy:P2} < {Required:P0}\n{f.Log}");
        Assert.Equal(f.TestAccuracy, f.Net.TestAccuracy);
        Assert.Equal(f.TestAccuracy, f.Net.Accuracy(f.TestImages, f.TestLabels), 10);
        Assert.True(new LearnedTokenizerSpec { Kind = "conv-vae" }.MinPerceptualAccuracy < Required);
        Assert.All(f.Net.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void Distance_is_zero_on_equal_images_symmetric_and_grows_with_distortion()
    {
        using var scope = NewDisposeScope();
        var x = TrainingData.ToModelInput(f.TestImages[..16]);
        using var g = new Generator(1, CPU);
        var mild = (x + 0.05 * randn(x.shape, generator: g)).clamp(-1, 1);
        var strong = (x + 0.5 * randn(x.shape, generator: g)).clamp(-1, 1);

        var self = f.Net.Distance(x, x);
        Assert.Equal(new long[] { 16 }, self.shape);
        Assert.True(self.abs().max().item<float>() < 1e-6);
        Assert.True(SyntheticShapes.MaxAbsDiff(f.Net.Distance(x, mild), f.Net.Distance(mild, x)) < 1e-5);
        double dMild = f.Net.Distance(x, mild).mean().item<float>();
        double dStrong = f.Net.Distance(x, strong).mean().item<float>();
        Assert.True(dMild > 0 && dStrong > 2 * dMild, $"mild {dMild}, strong {dStrong}");
    }

    [Fact]
    public void Distance_is_differentiable_in_the_reconstruction_only()
    {
        using var scope = NewDisposeScope();
        using var convolutions = LDae.Runtime.OneDnnConvolution.Disabled();   // as the tokenizer's training step runs it
        var x = TrainingData.ToModelInput(f.TestImages[..4]);
        var y = (x * 0.8).detach().requires_grad_(true);
        f.Net.Distance(x, y).sum().backward();
        Assert.NotNull(y.grad);
        Assert.True(y.grad!.abs().sum().item<float>() > 0);
        Assert.All(f.Net.parameters(), p => Assert.True(p.grad is null || p.grad.eq(0).all().item<bool>()));
    }

    [Fact]
    public void Save_then_load_keeps_weights_and_accuracy()
    {
        using var scope = NewDisposeScope();
        using var loaded = PerceptualNetwork.Load(Path.Combine(f.CacheDir, LearnedTokenizerTrainer.PerceptualWeightsFile));
        Assert.Equal(f.TestAccuracy, loaded.TestAccuracy);
        Assert.All(loaded.parameters(), p => Assert.False(p.requires_grad));      // loaded frozen
        var x = TrainingData.ToModelInput(f.TestImages[..8]);
        Assert.True(TensorAssert.Identical(f.Net.forward(x), loaded.forward(x)));
    }

    [Fact]
    public void Trainer_refuses_a_network_below_the_threshold()
    {
        var dir = LearnedTokenizerTestData.TempDir("refuse");
        var spec = new LearnedTokenizerSpec
        {
            Kind = "conv-vae", Patch = 4, LatentDim = 2, Perceptual = true, Epochs = 1,
            PerceptualPath = f.CacheDir, MinPerceptualAccuracy = Math.Min(1.0, f.TestAccuracy + 0.01),
        };
        var ex = Assert.Throws<InvalidOperationException>(() => LearnedTokenizerTrainer.Train(spec,
            f.TrainImages[..64], f.TrainLabels[..64], f.TestImages[..16], f.TestLabels[..16], Path.Combine(dir, "tok"), TextWriter.Null));
        Assert.Contains("refusing", ex.Message);
        Assert.False(File.Exists(Path.Combine(dir, "tok", LearnedTokenizerArtifact.FileName)));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Full_vqgan_style_conv_vae_trains_with_perceptual_and_adversarial_losses()
    {
        using var scope = NewDisposeScope();
        var dir = LearnedTokenizerTestData.TempDir("full");
        var artifactDir = Path.Combine(dir, "conv-vae-full");
        var spec = new LearnedTokenizerSpec
        {
            Kind = "conv-vae", Patch = 4, LatentDim = 3, Perceptual = true, Adversarial = true,
            Epochs = 1, BatchSize = 32, Lr = 3e-3, AdversarialStartStep = 4, PerceptualPath = f.CacheDir, Seed = 1,
        };
        var log = new StringWriter();
        using var tokenizer = LearnedTokenizerTrainer.Train(spec, f.TrainImages[..256], f.TrainLabels[..256],
            f.TestImages[..64], f.TestLabels[..64], artifactDir, log);
        var text = log.ToString();
        Assert.Contains("[perceptual] reusing", text);
        Assert.Contains(" λ ", text);                    // the adversarial term ran with an adaptive weight
        Assert.Contains(" d ", text);

        var artifact = LearnedTokenizerArtifact.Read(artifactDir);
        Assert.Equal("conv-vae", artifact.Kind);
        Assert.True(artifact.Perceptual && artifact.Adversarial);
        Assert.Equal(f.TestAccuracy, artifact.PerceptualTestAccuracy);
        Assert.Equal(4, artifact.AdversarialStartStep);
        Assert.Equal(8, artifact.Steps);
        Assert.InRange(artifact.TestPsnr, 8, 60);
        Assert.Equal(1.0, artifact.LatentStdScaled, 9);
        Assert.NotNull(artifact.PosteriorStdScaled);

        using var loaded = LearnedTokenizerTrainer.Load(artifactDir);
        var x = TrainingData.ToModelInput(f.TestImages[..8]);
        Assert.True(TensorAssert.Identical(tokenizer.Encode(x), loaded.Encode(x)));
        Directory.Delete(dir, recursive: true);
    }
}
