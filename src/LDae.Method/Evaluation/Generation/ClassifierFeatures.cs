using System.Security.Cryptography;
using LDae.Files;
using System.Text;
using LDae.Data;
using LDae.Tokenizers.Learned;
using static TorchSharp.torch;

namespace LDae.Evaluation.Generation;

/// <summary>
/// The stand-in for Inception-v3 when its weights are not given: a small VGG-style classifier trained with labels on
/// the dataset's training images (the same network class as the conv VAE's perceptual loss, wider, trained
/// separately), its last stage average-pooled to one vector per image — the role of Inception's pool3. The distance
/// in this space is reported as "FD-classifier", with the classifier's test accuracy, never as FID: its scale is not
/// comparable with the paper's FID-50K, only its ordering across rows is.
/// </summary>
public sealed class ClassifierFeatures : IGenerationFeatures
{
    public const string MetricName = "FD-classifier";
    const string FileName = "classifier.bin";

    /// <summary>How the classifier is trained: wider than the perceptual network, so its pooled features separate classes.</summary>
    public static readonly PerceptualTrainOptions Training = new() { Epochs = 4, Widths = [16, 32, 64] };

    readonly PerceptualNetwork net;

    public ClassifierFeatures(PerceptualNetwork net) => this.net = net;

    public string Metric => MetricName;
    public string Network => $"VGG-style classifier ({string.Join("-", net.Widths)} channels) trained on the dataset's labels, last stage average-pooled ({net.Widths[^1]}-d)";
    public double? ClassifierTop1 => double.IsNaN(net.TestAccuracy) ? null : Math.Round(100 * net.TestAccuracy, 2);

    public Tensor Features(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var last = net.Features(images.to_type(ScalarType.Float32))[^1];
        return last.mean([2, 3]).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The classifier of this dataset cut (one per training set and seed), trained on first use and cached under
    /// <paramref name="cacheRoot"/> in a folder named by the training set's content and the training options.
    /// </summary>
    public static ClassifierFeatures GetOrTrain(string cacheRoot, ImageDataset train, ImageDataset test, int seed, TextWriter log)
    {
        var options = Training with { Seed = seed };
        var dir = Path.Combine(cacheRoot, $"{train.Name}-{Key(train, options)}");
        var path = Path.Combine(dir, FileName);
        var check = VerifiedFile.Check(path);
        if (check.Usable) return new ClassifierFeatures(PerceptualNetwork.Load(path));
        if (check.Exists) log.WriteLine($"[fd-classifier] {check}: training it again");
        log.WriteLine($"[fd-classifier] training the feature classifier on {train.Count} images ({options.Describe()})");
        var (net, accuracy) = PerceptualNetwork.Train(train.Images, train.Labels, test.Images, test.Labels, options, log);
        Directory.CreateDirectory(dir);
        net.Save(path);
        log.WriteLine($"[fd-classifier] test top-1 {100 * accuracy:0.00}% → {path}");
        return new ClassifierFeatures(net);
    }

    static string Key(ImageDataset train, PerceptualTrainOptions options)
    {
        using var sha = SHA256.Create();
        var bytes = train.Images.contiguous().data<byte>().ToArray();
        sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
        var labels = train.Labels.to_type(ScalarType.Int64).contiguous().data<long>().ToArray();
        var labelBytes = new byte[labels.Length * sizeof(long)];
        Buffer.BlockCopy(labels, 0, labelBytes, 0, labelBytes.Length);
        sha.TransformBlock(labelBytes, 0, labelBytes.Length, null, 0);
        var text = Encoding.UTF8.GetBytes(options.Describe());
        sha.TransformFinalBlock(text, 0, text.Length);
        return Convert.ToHexStringLower(sha.Hash!)[..12];
    }

    public void Dispose() => net.Dispose();
}
