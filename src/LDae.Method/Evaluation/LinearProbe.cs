using LDae.Training;
using static TorchSharp.torch;

namespace LDae.Evaluation;

/// <summary>
/// The paper's metric: train a <see cref="LinearProbeHead"/> with cross-entropy on frozen features and report
/// top-1 on the held-out split (and on the training split, to see under/over-fitting). The training features are
/// either one fixed matrix (cached) or recomputed every epoch (MAE's augmented probe: a new random crop and flip of
/// every image per epoch). Recipe and optimizer: see <see cref="ProbeOptions"/>. Deterministic for a given seed.
/// </summary>
public static class LinearProbe
{
    /// <summary>The probe on one fixed feature matrix per split.</summary>
    public static ProbeResult Run(
        Tensor trainFeatures, Tensor trainLabels, Tensor testFeatures, Tensor testLabels, int numClasses, ProbeOptions o) =>
        Run(_ => trainFeatures.alias(), trainLabels, trainFeatures, testFeatures, testLabels, numClasses, o);

    /// <summary>
    /// The probe on training features that change per epoch: <paramref name="featuresOfEpoch"/>(e) gives the N×F
    /// features of epoch e, row i for training image i (the probe disposes them after the epoch).
    /// <paramref name="trainFeatures"/> are the training images as the test split is seen (no augmentation): the
    /// train top-1 is measured on them.
    /// </summary>
    public static ProbeResult Run(
        Func<int, Tensor> featuresOfEpoch, Tensor trainLabels, Tensor trainFeatures, Tensor testFeatures, Tensor testLabels,
        int numClasses, ProbeOptions o)
    {
        long n = trainFeatures.shape[0];
        if (trainFeatures.ndim != 2 || testFeatures.ndim != 2 || testFeatures.shape[1] != trainFeatures.shape[1])
            throw new ArgumentException("features must be N×F with the same F for both splits");
        if (trainLabels.shape[0] != n || testLabels.shape[0] != testFeatures.shape[0])
            throw new ArgumentException("one label per feature row");
        if (n < 2) throw new ArgumentException("BatchNorm needs at least 2 training examples");

        int batch = (int)Math.Min(o.BatchSize, n);
        int stepsPerEpoch = (int)(n / batch);
        double peak = o.LrScaling.PeakLr(o.BaseLr, batch);
        var schedule = new LearningRateSchedule(peak, 0.0,
            (long)Math.Round(o.WarmupEpochs * stepsPerEpoch), (long)o.Epochs * stepsPerEpoch);

        using var y = trainLabels.to(ScalarType.Int64);
        using var init = Seeding.Generator(o.Seed, "probe-init");
        using var head = new LinearProbeHead(trainFeatures.shape[1], numClasses, o.BnEps, o.InitStd, init);
        using var optimizer = o.Optimizer switch
        {
            ProbeOptimizer.Lars => new Lars(head.parameters(), peak, o.Momentum, o.WeightDecay, o.TrustCoefficient),
            _ => optim.SGD(head.parameters(), peak, momentum: o.Momentum, weight_decay: o.WeightDecay),
        };

        head.train();
        long step = 0;
        double lastEpochLoss = double.NaN;
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            using var epochFeatures = featuresOfEpoch(epoch);
            if (epochFeatures.ndim != 2 || epochFeatures.shape[0] != n || epochFeatures.shape[1] != trainFeatures.shape[1])
                throw new InvalidOperationException($"epoch {epoch}: features must be {n}×{trainFeatures.shape[1]}, got [{string.Join(", ", epochFeatures.shape)}]");
            using var x = epochFeatures.to(ScalarType.Float32);
            using var shuffle = Seeding.Generator(o.Seed, "probe-shuffle", epoch);
            using var order = randperm(n, generator: shuffle);
            double lossSum = 0;
            for (int i = 0; i < stepsPerEpoch; i++, step++)
            {
                using var scope = NewDisposeScope();
                var idx = order.narrow(0, (long)i * batch, batch);
                foreach (var g in optimizer.ParamGroups) g.LearningRate = schedule.At(step);
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(head.forward(x.index_select(0, idx)), y.index_select(0, idx));
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>();
            }
            lastEpochLoss = lossSum / stepsPerEpoch;
        }

        head.eval();
        return new ProbeResult(
            Evaluate(head, trainFeatures, y), Evaluate(head, testFeatures, testLabels), lastEpochLoss, step, peak);
    }

    /// <summary>Top-1 of a trained head (in eval mode: BatchNorm uses its running statistics).</summary>
    public static double Evaluate(LinearProbeHead head, Tensor features, Tensor labels, int batchSize = 8192)
    {
        long n = features.shape[0], correct = 0;
        if (n == 0) return double.NaN;
        using var _ = no_grad();
        for (long s = 0; s < n; s += batchSize)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(batchSize, n - s);
            var predicted = head.forward(features.narrow(0, s, len).to(ScalarType.Float32)).argmax(1);
            correct += predicted.eq(labels.narrow(0, s, len).to(ScalarType.Int64)).sum().item<long>();
        }
        return (double)correct / n;
    }
}
