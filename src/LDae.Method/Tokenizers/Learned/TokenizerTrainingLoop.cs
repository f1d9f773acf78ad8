using System.Diagnostics;
using System.Text;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// The epochs of a tokenizer's training: each epoch visits the training images in an order drawn from
/// (seed, "tokenizer-order", epoch), one <see cref="TokenizerTrainingStep"/> per batch, the adversarial term from
/// <c>adversarialStart</c> on, and a progress line of the averaged loss terms every <c>LogEvery</c> steps and at
/// each epoch's end.
/// </summary>
static class TokenizerTrainingLoop
{
    /// <summary>Runs all epochs and returns the total loss of the last step.</summary>
    public static double Run(LearnedTokenizerSpec spec, TokenizerTrainingStep training, Tensor trainImagesUint8,
        bool adversarial, long adversarialStart, long totalSteps, Stopwatch watch, TextWriter log)
    {
        long n = trainImagesUint8.shape[0];
        int pixelsPerImage = (int)(trainImagesUint8.shape[1] * trainImagesUint8.shape[2] * trainImagesUint8.shape[3]);
        string tag = $"[{spec.Kind}]";
        long step = 0;
        double lastLoss = double.NaN;
        var running = new RunningTerms();
        for (int epoch = 0; epoch < spec.Epochs; epoch++)
        {
            Tensor order;
            using (var g = TrainingData.Generator(spec.Seed, "tokenizer-order", epoch)) order = randperm(n, generator: g);
            using (order)
                for (long start = 0; start < n; start += spec.BatchSize, step++)
                {
                    using var scope = NewDisposeScope();
                    var x = TrainingData.ToModelInput(trainImagesUint8.index_select(0, order.narrow(0, start, Math.Min(spec.BatchSize, n - start))));
                    var (terms, dLoss) = training.Run(x, step, adversarial: adversarial && step >= adversarialStart);
                    lastLoss = terms.Total.item<float>();
                    running.Add(terms, dLoss, pixelsPerImage);
                    if ((step + 1) % spec.LogEvery == 0 || start + spec.BatchSize >= n)
                    {
                        log.WriteLine($"{tag} epoch {epoch + 1}/{spec.Epochs} step {step + 1}/{totalSteps} {running.Describe()} ({watch.Elapsed.TotalSeconds:F1}s)");
                        running = new RunningTerms();
                    }
                }
        }
        return lastLoss;
    }

    /// <summary>Averages of the loss terms since the last progress line (per pixel for the pixel term).</summary>
    sealed class RunningTerms
    {
        double total, pixel, perceptual, kl, generator, lambda, disc;
        int steps, discSteps, advSteps;
        bool hasPerceptual, hasKl;

        public void Add(LearnedTokenizerTrainer.LossTerms t, double dLoss, double pixelsPerImage)
        {
            steps++;
            total += t.Total.item<float>();
            pixel += t.Pixel.item<float>() / pixelsPerImage;
            if (t.Perceptual is not null) { hasPerceptual = true; perceptual += t.Perceptual.item<float>(); }
            if (t.Kl is not null) { hasKl = true; kl += t.Kl.item<float>(); }
            if (t.Generator is not null) { advSteps++; generator += t.Generator.item<float>(); lambda += t.AdaptiveWeight; }
            if (!double.IsNaN(dLoss)) { discSteps++; disc += dLoss; }
        }

        public string Describe()
        {
            var sb = new StringBuilder($"loss {total / steps:G4} rec/px {pixel / steps:F4}");
            if (hasPerceptual) sb.Append($" lpips {perceptual / steps:F4}");
            if (hasKl) sb.Append($" kl {kl / steps:G4}");
            if (advSteps > 0) sb.Append($" g {generator / advSteps:F3} λ {lambda / advSteps:G3}");
            if (discSteps > 0) sb.Append($" d {disc / discSteps:F3}");
            return sb.ToString();
        }
    }
}
