using LDae.Data;
using LDae.Method;
using LDae.Models;
using LDae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Evaluation.FineTuning;

/// <summary>Validation top-1 (%) of the evaluated weights after an epoch, with the epoch's mean training loss and last lr.</summary>
public sealed record FineTuneEpoch(int Epoch, double TrainLoss, double Lr, double TestTop1);

/// <summary>The fine-tuned classifier's top-1 (%) after the last epoch, the curve, steps and peak lr.</summary>
public sealed record FineTuneResult(double TestTop1, IReadOnlyList<FineTuneEpoch> Curve, long Steps, double PeakLr);

/// <summary>
/// End-to-end fine-tuning of a pretrained encoder with a classifier (<see cref="FineTuneOptions"/>). Each step: a batch
/// in a seeded order → random resized crop + flip (MAE's, <see cref="ProbeTransforms.Train"/>) → RandAugment →
/// MixUp/CutMix with label smoothing → soft-target cross entropy → AdamW with layer-wise lr decay on the warm-up +
/// cosine schedule → EMA update. After every epoch the evaluated weights (the EMA when on) are tested on the center
/// crop of the test split (<see cref="ProbeTransforms.Test"/>); the result is the last epoch's top-1 (MAE reports the
/// best epoch, which selects on the test split).
/// </summary>
/// <remarks>
/// Every draw comes from a generator seeded by (seed, purpose, index): "finetune-shuffle" per epoch; "finetune-crop",
/// "finetune-randaugment", "finetune-mix", "finetune-drop-path" and "finetune-noise" per step; "finetune-head" for the
/// head's init. The encoder's weights are changed in place.
/// </remarks>
public static class FineTuner
{
    public static FineTuneResult Run(IFineTunableEncoder encoder, ProbeReadout readout, int width, ImageDataset train, ImageDataset test,
        int classes, FineTuneOptions o, Device device, Action<FineTuneEpoch>? afterEpoch = null)
    {
        long n = train.Count;
        int batch = (int)Math.Min(o.BatchSize, n);
        if (batch < 2) throw new ArgumentException("fine-tuning needs at least 2 training images per batch");
        int stepsPerEpoch = (int)(n / batch);
        double peak = o.PeakLr(batch);
        var schedule = new LearningRateSchedule(peak, o.MinLr, (long)Math.Round(o.WarmupEpochs * stepsPerEpoch), (long)o.Epochs * stepsPerEpoch);

        using var init = Seeding.Generator(o.Seed, "finetune-head");
        using var model = new FineTuneClassifier(encoder, readout, width, classes, o.HeadInitStd, init);
        model.to(device);
        var groups = LayerDecay.Groups(model, o.LayerDecay, o.WeightDecay);
        using var optimizer = new AdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters, peak * g.LrScale, o.Beta1, o.Beta2, o.AdamEps, g.WeightDecay)),
            peak, o.Beta1, o.Beta2, o.AdamEps, o.WeightDecay, threads: null);
        var dropPaths = SetDropPath(model, o.DropPath);
        using var ema = o.EmaDecay > 0 ? new Ema(model, o.EmaDecay) : null;

        var curve = new List<FineTuneEpoch>();
        long step = 0;
        try
        {
            for (int epoch = 0; epoch < o.Epochs; epoch++)
            {
                model.train();
                using var shuffle = Seeding.Generator(o.Seed, "finetune-shuffle", epoch);
                using var order = randperm(n, generator: shuffle);
                double lossSum = 0, lr = 0;
                for (int i = 0; i < stepsPerEpoch; i++, step++)
                {
                    using var scope = NewDisposeScope();
                    lr = schedule.At(step);
                    for (int k = 0; k < groups.Count; k++) optimizer.ParamGroups.ElementAt(k).LearningRate = lr * groups[k].LrScale;
                    var idx = order.narrow(0, (long)i * batch, batch);
                    using var mixed = TrainingBatch(train, idx, classes, o, step);
                    using var dropNoise = Seeding.Generator(o.Seed, "finetune-drop-path", step);
                    using var readoutNoise = Seeding.Generator(o.Seed, "finetune-noise", step);
                    foreach (var d in dropPaths) d.Noise = dropNoise;
                    model.ReadoutNoise = readoutNoise;
                    optimizer.zero_grad();
                    var loss = SoftTargets.CrossEntropy(model.forward(mixed.Images.to(device)), mixed.Targets.to(device));
                    loss.backward();
                    optimizer.step();
                    ema?.Update();
                    lossSum += loss.item<float>();
                }
                double top1;
                using (ema?.SwapIn()) top1 = Evaluate(model, test, o, device);
                var entry = new FineTuneEpoch(epoch + 1, lossSum / stepsPerEpoch, lr, Math.Round(100 * top1, 2));
                curve.Add(entry);
                afterEpoch?.Invoke(entry);
            }
        }
        finally
        {
            foreach (var block in model.Blocks.OfType<IDropPathBlock>()) block.DropPath = null;
            model.ReadoutNoise = null;
        }
        return new FineTuneResult(curve[^1].TestTop1, curve, step, peak);
    }

    /// <summary>
    /// A training batch: the images at <paramref name="idx"/>, random resized crop + flip, RandAugment, then MixUp/CutMix
    /// with label smoothing (on the CPU; the caller moves it to the device).
    /// </summary>
    public static MixedBatch TrainingBatch(ImageDataset train, Tensor idx, int classes, FineTuneOptions o, long step)
    {
        using var scope = NewDisposeScope();
        using var crop = Seeding.Generator(o.Seed, "finetune-crop", step);
        using var augment = Seeding.Generator(o.Seed, "finetune-randaugment", step);
        var images = ProbeTransforms.Train.Apply(ImageDataset.ToModelInput(train.Images.index_select(0, idx)), crop);
        images = RandAugment.Apply(images, o.RandAugment, augment);
        var mix = new Random(unchecked((int)Seeding.Derive(o.Seed, "finetune-mix", step)));
        var mixed = MixUpCutMix.Apply(images, train.Labels.index_select(0, idx), classes, o.Mix, mix);
        mixed.Images.MoveToOuterDisposeScope();
        mixed.Targets.MoveToOuterDisposeScope();
        return mixed;
    }

    /// <summary>timm's spacing: block i of B drops its branches at rate · i/(B − 1) (the first block never; one block: none).</summary>
    public static IReadOnlyList<DropPath> SetDropPath(FineTuneClassifier model, double rate)
    {
        var blocks = model.Blocks.OfType<IDropPathBlock>().ToList();
        var paths = new List<DropPath>();
        for (int i = 0; i < blocks.Count; i++)
        {
            double r = blocks.Count > 1 ? rate * i / (blocks.Count - 1) : 0;
            var d = new DropPath(r);
            blocks[i].DropPath = d;
            paths.Add(d);
        }
        return paths;
    }

    /// <summary>Top-1 (fraction) of the classifier on the center crop of the test split, in eval mode.</summary>
    public static double Evaluate(FineTuneClassifier model, ImageDataset test, FineTuneOptions o, Device device)
    {
        model.eval();
        using var _ = no_grad();
        using var noise = Seeding.Generator(o.Seed, "finetune-noise/test");
        model.ReadoutNoise = noise;
        long n = test.Count, correct = 0;
        for (long s = 0; s < n; s += o.EvalBatch)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(o.EvalBatch, n - s);
            var x = ProbeTransforms.Test(ImageDataset.ToModelInput(test.Images.narrow(0, s, len))).to(device);
            var predicted = model.forward(x).argmax(1).cpu();
            correct += predicted.eq(test.Labels.narrow(0, s, len).to(ScalarType.Int64)).sum().item<long>();
        }
        model.ReadoutNoise = null;
        return n == 0 ? double.NaN : (double)correct / n;
    }
}
