using LDae.Runtime;
using LDae.Tokenizers.Learned;
using static TorchSharp.torch;

namespace LDae.Tests.Tokenizers.Learned;

/// <summary>
/// One perceptual network trained on real Fashion-MNIST (3,000 train / 1,000 test images, 28×28, the default
/// options) and cached in a temp folder, shared by the tests that need it (training it takes a few seconds).
/// </summary>
public sealed class PerceptualNetworkFixture : IDisposable
{
    public const int TrainCount = 3000, TestCount = 1000;

    public PerceptualNetworkFixture()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        (TrainImages, TrainLabels) = FashionMnistSample.Load(train: true, TrainCount);
        (TestImages, TestLabels) = FashionMnistSample.Load(train: false, TestCount);
        var log = new StringWriter();
        (Net, TestAccuracy) = PerceptualNetwork.Train(TrainImages, TrainLabels, TestImages, TestLabels, new PerceptualTrainOptions(), log);
        Log = log.ToString();
        CacheDir = LearnedTokenizerTestData.TempDir("perceptual");
        Net.Save(Path.Combine(CacheDir, LearnedTokenizerTrainer.PerceptualWeightsFile));
        File.WriteAllText(Path.Combine(CacheDir, LearnedTokenizerTrainer.PerceptualInfoFile), "{}\n");
    }

    public Tensor TrainImages { get; }
    public Tensor TrainLabels { get; }
    public Tensor TestImages { get; }
    public Tensor TestLabels { get; }
    public PerceptualNetwork Net { get; }
    public double TestAccuracy { get; }
    public string Log { get; }

    /// <summary>A folder laid out as the trainer's perceptual cache, holding <see cref="Net"/>.</summary>
    public string CacheDir { get; }

    public void Dispose()
    {
        Net.Dispose();
        TrainImages.Dispose();
        TrainLabels.Dispose();
        TestImages.Dispose();
        TestLabels.Dispose();
        try { Directory.Delete(CacheDir, recursive: true); } catch (IOException) { }
    }
}
