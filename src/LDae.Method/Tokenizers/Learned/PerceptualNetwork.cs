using LDae.Files;
using System.Diagnostics;
using LDae.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// The network behind the perceptual loss. The paper's VQGAN tokenizer uses LPIPS on an ImageNet-supervised VGG;
/// no such weights are reachable here, so this is a small VGG-style classifier trained with labels on the same
/// dataset — which keeps the property the paper's Table 1 is about: the perceptual loss carries label
/// information into the tokenizer. Stages of (conv 3×3 → ReLU) ×2, max-pooled between stages, then average
/// pooling to 4×4 cells and a linear classifier.
/// </summary>
/// <remarks>
/// The distance is LPIPS without its learned linear heads (LPIPS's "baseline" variant): at the output of each
/// stage, features are normalised to unit length over channels at every position, the squared difference is
/// summed over channels and averaged over positions, and the stages are summed.
/// </remarks>
public sealed class PerceptualNetwork : nn.Module<Tensor, Tensor>
{
    const string Magic = "LDAE-PERCEPTUAL";
    const int FormatVersion = 1;

    readonly ModuleList<Sequential> stages;
    readonly Linear head;

    public PerceptualNetwork(int imageChannels, int numClasses, int[] widths) : base(nameof(PerceptualNetwork))
    {
        if (widths.Length == 0) throw new ArgumentException("need at least one stage", nameof(widths));
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses));
        ImageChannels = imageChannels;
        NumClasses = numClasses;
        Widths = widths.ToArray();
        var list = new List<Sequential>();
        int channels = imageChannels;
        foreach (var w in widths)
        {
            list.Add(nn.Sequential(
                nn.Conv2d(channels, w, 3, padding: 1), nn.ReLU(),
                nn.Conv2d(w, w, 3, padding: 1), nn.ReLU()));
            channels = w;
        }
        stages = new ModuleList<Sequential>(list.ToArray());
        head = nn.Linear(channels * PooledSize * PooledSize, numClasses);
        RegisterComponents();
    }

    /// <summary>The last stage is average-pooled to this many cells per side before the linear classifier.</summary>
    public const int PooledSize = 4;

    public int ImageChannels { get; }
    public int NumClasses { get; }
    public int[] Widths { get; }

    /// <summary>Top-1 accuracy on the held-out split after training (NaN if unknown).</summary>
    public double TestAccuracy { get; private set; } = double.NaN;

    /// <summary>Images N×C×H×W in [-1, 1] → class logits N×K.</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var features = Features(images);
        return head.forward(nn.functional.adaptive_avg_pool2d(features[^1], [PooledSize, PooledSize]).flatten(1)).MoveToOuterDisposeScope();
    }

    /// <summary>Forward FLOPs per image of side <paramref name="imageSize"/> through the conv stages (the distance runs
    /// them on both images; <see cref="ConvFlops"/>).</summary>
    public double FeatureFlops(int imageSize)
    {
        double flops = 0;
        int size = imageSize;
        for (int s = 0; s < stages.Count; s++)
        {
            if (s > 0) size /= 2;
            foreach (var conv in stages[s].children().OfType<Conv2d>()) flops += ConvFlops.Of(conv, size);
        }
        return flops;
    }

    /// <summary>The output of every stage (before pooling), N×w_s×H_s×W_s.</summary>
    public List<Tensor> Features(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != ImageChannels)
            throw new ArgumentException($"expected images N×{ImageChannels}×H×W, got shape [{string.Join(",", images.shape)}]");
        var result = new List<Tensor>();
        var h = images;
        for (int s = 0; s < stages.Count; s++)
        {
            if (s > 0) h = nn.functional.max_pool2d(h, 2);
            h = stages[s].forward(h);
            result.Add(h);
        }
        return result;
    }

    /// <summary>
    /// LPIPS-style distance per image (vector of N): Σ_stages mean_positions Σ_channels (f̂(x) − f̂(y))², where
    /// f̂ is the stage output divided by its channel-wise L2 norm at each position. Differentiable in both inputs.
    /// </summary>
    public Tensor Distance(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var fx = Features(x);
        var fy = Features(y);
        Tensor total = zeros(x.shape[0], device: x.device);
        for (int s = 0; s < fx.Count; s++)
        {
            var diff = UnitNormalise(fx[s]) - UnitNormalise(fy[s]);
            total = total + diff.square().sum(1).mean([1, 2]);
        }
        return total.MoveToOuterDisposeScope();
    }

    static Tensor UnitNormalise(Tensor f) => f / (f.square().sum(1, keepdim: true).sqrt() + 1e-10);

    /// <summary>Evaluation mode and frozen parameters: the loss network is never trained by the tokenizer's loss.</summary>
    public void Freeze()
    {
        zero_grad();
        eval();
        foreach (var p in parameters()) p.requires_grad = false;
    }

    /// <summary>Top-1 accuracy on images (uint8 or float in [-1, 1]) and labels, in chunks, without gradients.</summary>
    public double Accuracy(Tensor images, Tensor labels, int chunk = 500)
    {
        using var _ = no_grad();
        long n = images.shape[0], correct = 0;
        for (long start = 0; start < n; start += chunk)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(chunk, n - start);
            var logits = forward(TrainingData.ToModelInput(images.narrow(0, start, len)));
            correct += logits.argmax(1).eq(labels.narrow(0, start, len).to_type(ScalarType.Int64)).sum().item<long>();
        }
        return (double)correct / n;
    }

    /// <summary>
    /// Trains a classifier on (images, labels) with AdamW and cross-entropy, then measures its top-1 accuracy
    /// on (testImages, testLabels). Images are N×C×H×W uint8 (or float in [-1, 1]); labels are class indices.
    /// The caller decides whether the accuracy is high enough for the network to stand in for VGG. Returned frozen.
    /// </summary>
    public static (PerceptualNetwork Net, double TestAccuracy) Train(Tensor images, Tensor labels, Tensor testImages, Tensor testLabels,
        PerceptualTrainOptions options, TextWriter? log = null)
    {
        options.Validate();
        if (images.dim() != 4) throw new ArgumentException("expected images N×C×H×W");
        // oneDNN's convolution backward pass is not safe on every CPU (see OneDnnConvolution)
        using var convolutions = LDae.Runtime.OneDnnConvolution.Disabled();
        if (labels.shape[0] != images.shape[0]) throw new ArgumentException("one label per image");
        var watch = Stopwatch.StartNew();
        int classes;
        using (var max = labels.max()) classes = (int)max.item<long>() + 1;
        var net = new PerceptualNetwork((int)images.shape[1], Math.Max(classes, 2), options.Widths);
        try
        {
            using (var init = TrainingData.Generator(options.Seed, "perceptual-init")) SeededInit.KaimingNormal(net, init);
            using var optimizer = optim.AdamW(net.parameters(), lr: options.Lr, weight_decay: options.WeightDecay);
            long n = images.shape[0];
            var targets = labels.to_type(ScalarType.Int64);
            for (int epoch = 0; epoch < options.Epochs; epoch++)
            {
                using var order = Permutation(n, options.Seed, epoch);
                double lossSum = 0;
                int batches = 0;
                for (long start = 0; start < n; start += options.BatchSize)
                {
                    using var scope = NewDisposeScope();
                    var idx = order.narrow(0, start, Math.Min(options.BatchSize, n - start));
                    var x = TrainingData.ToModelInput(images.index_select(0, idx));
                    var loss = nn.functional.cross_entropy(net.forward(x), targets.index_select(0, idx));
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    lossSum += loss.item<float>();
                    batches++;
                }
                log?.WriteLine($"[perceptual] epoch {epoch + 1}/{options.Epochs} loss {lossSum / batches:F4} ({watch.Elapsed.TotalSeconds:F1}s)");
            }
            targets.Dispose();
            net.Freeze();
            double accuracy = net.Accuracy(testImages, testLabels);
            net.TestAccuracy = accuracy;
            log?.WriteLine($"[perceptual] test accuracy {accuracy:P2} on {testImages.shape[0]} images ({watch.Elapsed.TotalSeconds:F1}s)");
            return (net, accuracy);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    static Tensor Permutation(long n, long seed, int epoch)
    {
        using var g = TrainingData.Generator(seed, "perceptual-order", epoch);
        return randperm(n, generator: g);
    }

    /// <summary>Writes shape, test accuracy and weights; atomic, with its SHA-256 beside it (<see cref="VerifiedFile"/>).</summary>
    public void Save(string path)
    {
        VerifiedFile.WriteBinary(path, writer =>
        {
            ModuleFile.WriteHeader(writer, Magic, FormatVersion);
            writer.Write(ImageChannels);
            writer.Write(NumClasses);
            writer.Write(Widths.Length);
            foreach (var w in Widths) writer.Write(w);
            writer.Write(TestAccuracy);
            ModuleFile.WriteState(writer, this);
        });
    }

    /// <summary>Reads a network written by <see cref="Save"/>; returned frozen.</summary>
    public static PerceptualNetwork Load(string path)
    {
        using var reader = ModuleFile.OpenRead(path, Magic, FormatVersion, "perceptual-network");
        int channels = reader.ReadInt32(), classes = reader.ReadInt32();
        var widths = new int[reader.ReadInt32()];
        for (int i = 0; i < widths.Length; i++) widths[i] = reader.ReadInt32();
        var net = new PerceptualNetwork(channels, classes, widths) { TestAccuracy = reader.ReadDouble() };
        try
        {
            ModuleFile.ReadStateInto(reader, net, path, "perceptual network");
            net.Freeze();
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }
}
