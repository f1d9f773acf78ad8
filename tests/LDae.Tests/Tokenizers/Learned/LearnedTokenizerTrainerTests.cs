using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers;
using LDae.Tokenizers.Learned;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Tokenizers.Learned;

/// <summary>The training loop on synthetic shapes (16×16): learning, latent scaling, artifacts, determinism.</summary>
public class LearnedTokenizerTrainerTests
{
    public LearnedTokenizerTrainerTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static (ITokenizer Tokenizer, LearnedTokenizerArtifact Artifact) TrainOn(LearnedTokenizerSpec spec, Tensor train, Tensor test, string dir)
    {
        var tokenizer = LearnedTokenizerTrainer.Train(spec, train, LearnedTokenizerTestData.Labels((int)train.shape[0]),
            test, LearnedTokenizerTestData.Labels((int)test.shape[0]), dir, TextWriter.Null);
        return (tokenizer, LearnedTokenizerArtifact.Read(dir));
    }

    [Fact]
    public void Autoencoder_with_d_equal_to_D_learns_near_identity_and_beats_a_bottleneck()
    {
        using var scope = NewDisposeScope();
        var dir = LearnedTokenizerTestData.TempDir("identity");
        var train = LearnedTokenizerTestData.ShapesUint8(256, seed: 1);
        var test = LearnedTokenizerTestData.ShapesUint8(64, seed: 2);
        LearnedTokenizerSpec Spec(int d) => new()
        {
            Kind = "patch-ae", Patch = 4, LatentDim = d, Epochs = 40, BatchSize = 32, Lr = 3e-3,
        };
        var (full, fullArtifact) = TrainOn(Spec(16), train, test, Path.Combine(dir, "d16"));       // d = D = 4·4·1
        var (narrow, narrowArtifact) = TrainOn(Spec(1), train, test, Path.Combine(dir, "d1"));
        full.Dispose();
        narrow.Dispose();
        Assert.True(fullArtifact.TestPsnr > 30, $"d = D: test PSNR {fullArtifact.TestPsnr:F2} dB, d = 1: {narrowArtifact.TestPsnr:F2} dB");
        Assert.True(fullArtifact.TestPsnr > narrowArtifact.TestPsnr + 8, $"d = D {fullArtifact.TestPsnr:F2} dB vs d = 1 {narrowArtifact.TestPsnr:F2} dB");
        Directory.Delete(dir, recursive: true);
    }

    [Theory]
    [InlineData("conv-vae")]
    [InlineData("patch-vae")]
    [InlineData("patch-ae")]
    public void Scale_factor_gives_unit_variance_latents_and_the_artifact_is_complete(string kind)
    {
        using var scope = NewDisposeScope();
        var dir = LearnedTokenizerTestData.TempDir("scale-" + kind);
        var train = LearnedTokenizerTestData.ShapesUint8(128, seed: 3);
        var test = LearnedTokenizerTestData.ShapesUint8(32, seed: 4);
        var spec = new LearnedTokenizerSpec { Kind = kind, Patch = 4, LatentDim = 3, Epochs = 2, BatchSize = 32, Lr = 3e-3 };
        var (tokenizer, artifact) = TrainOn(spec, train, test, dir);
        using var _ = tokenizer;

        var z = tokenizer.Encode(TrainingData.ToModelInput(train)).to_type(ScalarType.Float64);
        Assert.Equal(1.0, z.std().item<double>(), 3);
        Assert.Equal(artifact.LatentMeanScaled, z.mean().item<double>(), 4);
        Assert.Equal(1.0 / artifact.LatentStdRaw, artifact.ScaleFactor, 9);
        Assert.Equal(((LearnedTokenizer)tokenizer).ScaleFactor, artifact.ScaleFactor);

        Assert.Equal(kind, artifact.Kind);
        Assert.Equal((4, 3, 1, 16), (artifact.Patch, artifact.LatentDim, artifact.ImageChannels, artifact.ImageSize));
        Assert.Equal((128, 32, 8L), (artifact.TrainImages, artifact.TestImages, artifact.Steps));
        Assert.Equal(kind != "patch-ae", artifact.PosteriorStdScaled is not null);
        Assert.Null(artifact.PerceptualTestAccuracy);
        Assert.True(artifact.TrainSeconds > 0);
        Assert.True(File.Exists(Path.Combine(dir, LearnedTokenizerArtifact.WeightsFileName)));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp-*"));

        // the artifact's PSNR is the test split's, recomputed here
        var xt = TrainingData.ToModelInput(test);
        var psnr = LearnedTokenizerTrainer.Psnr(xt, tokenizer.Decode(tokenizer.Encode(xt))).to_type(ScalarType.Float64).mean().item<double>();
        Assert.Equal(artifact.TestPsnr, psnr, 4);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Same_seed_gives_the_same_weights_and_another_seed_does_not()
    {
        using var scope = NewDisposeScope();
        var dir = LearnedTokenizerTestData.TempDir("determinism");
        var train = LearnedTokenizerTestData.ShapesUint8(96, seed: 5);
        var test = LearnedTokenizerTestData.ShapesUint8(16, seed: 6);
        // adversarial on, so the posterior sampling, the batch order and the discriminator are all exercised
        LearnedTokenizerSpec Spec(int seed) => new()
        {
            Kind = "conv-vae", Patch = 4, LatentDim = 2, Epochs = 2, BatchSize = 32, Seed = seed,
            Adversarial = true, AdversarialStartStep = 2, DiscriminatorWidth = 8,
        };
        var (a, _) = TrainOn(Spec(7), train, test, Path.Combine(dir, "a"));
        var (b, _) = TrainOn(Spec(7), train, test, Path.Combine(dir, "b"));
        var (c, _) = TrainOn(Spec(8), train, test, Path.Combine(dir, "c"));
        using (a) using (b) using (c)
        {
            var sa = ((LearnedTokenizer)a).state_dict();
            var sb = ((LearnedTokenizer)b).state_dict();
            var sc = ((LearnedTokenizer)c).state_dict();
            Assert.All(sa.Keys, k => Assert.True(TensorAssert.Identical(sa[k], sb[k]), $"{k} differs between equal seeds"));
            Assert.Contains(sa.Keys, k => !TensorAssert.Identical(sa[k], sc[k]));
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a", "tokenizer.bin")), File.ReadAllBytes(Path.Combine(dir, "b", "tokenizer.bin")));
        }
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Load_dispatches_on_kind_and_needs_a_complete_artifact()
    {
        using var scope = NewDisposeScope();
        var dir = LearnedTokenizerTestData.TempDir("load");
        var train = LearnedTokenizerTestData.ShapesUint8(32, seed: 7);
        var spec = new LearnedTokenizerSpec { Kind = "patch-vae", Patch = 4, LatentDim = 2, Epochs = 1, BatchSize = 16 };
        var (trained, _) = TrainOn(spec, train, train, dir);
        using var _t = trained;
        using var loaded = LearnedTokenizerTrainer.Load(dir);
        Assert.IsType<PatchVae>(loaded);
        var x = TrainingData.ToModelInput(train[..4]);
        Assert.True(TensorAssert.Identical(trained.Encode(x), loaded.Encode(x)));

        File.Delete(Path.Combine(dir, LearnedTokenizerArtifact.FileName));     // as if the run died before finishing
        Assert.Contains("is not a complete tokenizer artifact (no artifact.json)", Assert.Throws<FileNotFoundException>(() => LearnedTokenizerTrainer.Load(dir)).Message);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void The_perceptual_network_is_trained_once_per_data_and_options_beside_the_artifact_and_reused()
    {
        using var scope = NewDisposeScope();
        var dir = LearnedTokenizerTestData.TempDir("perceptual-cache");
        var train = LearnedTokenizerTestData.ShapesUint8(32, seed: 9);
        var test = LearnedTokenizerTestData.ShapesUint8(16, seed: 10);
        var (trainLabels, testLabels) = (LearnedTokenizerTestData.Labels(32), LearnedTokenizerTestData.Labels(16));
        var spec = new LearnedTokenizerSpec
        {
            Kind = "conv-vae", Patch = 4, LatentDim = 2, Epochs = 1, BatchSize = 16, Perceptual = true, MinPerceptualAccuracy = 0,
            PerceptualNetwork = new PerceptualTrainOptions { Epochs = 1, BatchSize = 16, Widths = [4] },
        };
        string Train(string name)
        {
            var log = new StringWriter();
            using var tokenizer = LearnedTokenizerTrainer.Train(spec, train, trainLabels, test, testLabels, Path.Combine(dir, name), log);
            return log.ToString();
        }

        var first = Train("a");
        var cache = Path.Combine(dir, "perceptual-" + LearnedTokenizerTrainer.PerceptualCacheKey(spec.PerceptualNetwork, train, trainLabels, test, testLabels));
        Assert.DoesNotContain("[perceptual] reusing", first);
        var artifact = LearnedTokenizerArtifact.Read(Path.Combine(dir, "a"));
        Assert.Equal(cache, artifact.PerceptualPath);
        Assert.True(artifact.Perceptual);
        using (var info = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(cache, LearnedTokenizerTrainer.PerceptualInfoFile))))
        {
            var root = info.RootElement;
            Assert.Equal(artifact.PerceptualTestAccuracy, root.GetProperty("test_accuracy").GetDouble());
            Assert.Equal(spec.PerceptualNetwork.Describe(), root.GetProperty("options").GetString());
            Assert.Equal((32, 16), (root.GetProperty("train_images").GetInt32(), root.GetProperty("test_images").GetInt32()));
            Assert.True(root.GetProperty("train_seconds").GetDouble() > 0);
        }

        // the next tokenizer on the same data and options loads it; a damaged copy is trained again, not used
        Assert.Contains($"[perceptual] reusing {cache}", Train("b"));
        File.AppendAllText(Path.Combine(cache, LearnedTokenizerTrainer.PerceptualWeightsFile), "x");
        var third = Train("c");
        Assert.Contains("training it again", third);
        Assert.DoesNotContain("[perceptual] reusing", third);
        var fourth = Train("d");
        Assert.Contains("[perceptual] reusing", fourth);
        Assert.Contains($", perceptual (w=1)\n", fourth);
        Assert.Matches(@" lpips (?!0\.0000 )\d+\.\d{4} ", fourth);                  // a positive perceptual distance in the progress line

        // the network is accepted at exactly the required accuracy
        spec = spec with { MinPerceptualAccuracy = artifact.PerceptualTestAccuracy!.Value };
        Train("e");

        // a run into a finished artifact's folder withdraws its "complete" marker first: failing, it leaves none
        spec = spec with { MinPerceptualAccuracy = 1.5 };
        Assert.Throws<InvalidOperationException>(() => Train("a"));
        Assert.False(File.Exists(Path.Combine(dir, "a", LearnedTokenizerArtifact.FileName)));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Rejects_float_images_and_sizes_not_divisible_by_the_patch()
    {
        var spec = new LearnedTokenizerSpec { Kind = "patch-ae", Patch = 4, LatentDim = 2 };
        var dir = LearnedTokenizerTestData.TempDir("reject");
        using var floats = zeros(4, 1, 16, 16);
        using var odd = zeros(4, 1, 18, 18, dtype: ScalarType.Byte);
        using var labels = LearnedTokenizerTestData.Labels(4);
        Assert.Throws<ArgumentException>(() => LearnedTokenizerTrainer.Train(spec, floats, labels, floats, labels, dir, TextWriter.Null));
        Assert.Throws<ArgumentException>(() => LearnedTokenizerTrainer.Train(spec, odd, labels, odd, labels, dir, TextWriter.Null));
        Assert.Throws<ArgumentException>(() => LearnedTokenizerTrainer.Train(spec with { Kind = "vq-gan" }, odd, labels, odd, labels, dir, TextWriter.Null));
        // the test split must match the training images' channels and size, and neither may be empty or lack a dimension
        using var bytes = zeros(4, 1, 16, 16, dtype: ScalarType.Byte);
        using var rgb = zeros(4, 3, 16, 16, dtype: ScalarType.Byte);
        using var larger = zeros(4, 1, 32, 32, dtype: ScalarType.Byte);
        using var empty = zeros(0, 1, 16, 16, dtype: ScalarType.Byte);
        using var flat = zeros(4, 16, 16, dtype: ScalarType.Byte);
        using var wide = zeros(4, 1, 16, 18, dtype: ScalarType.Byte);
        foreach (var (train, test, message) in new[]
                 {
                     (bytes, rgb, "same channels and size"), (bytes, larger, "same channels and size"),
                     (empty, bytes, "train images: empty"), (bytes, empty, "test images: empty"), (flat, bytes, "train images: expected N×C×H×W"),
                     (bytes, wide, "test images: size 16×18 is not divisible by the patch 4"), (bytes, floats, "test images: expected uint8"),
                 })
            Assert.Contains(message, Assert.Throws<ArgumentException>(() => LearnedTokenizerTrainer.Train(spec, train, labels, test, labels, dir, TextWriter.Null)).Message);
        Assert.False(File.Exists(Path.Combine(dir, LearnedTokenizerArtifact.FileName)));

        // one image is enough on either side
        using var shapes = LearnedTokenizerTestData.ShapesUint8(4, seed: 11);
        using (LearnedTokenizerTrainer.Train(spec with { Epochs = 1 }, shapes, labels, shapes[..1], labels[..1], dir, TextWriter.Null)) { }
        Assert.True(File.Exists(Path.Combine(dir, LearnedTokenizerArtifact.FileName)));
        Directory.Delete(dir, recursive: true);
    }
}
