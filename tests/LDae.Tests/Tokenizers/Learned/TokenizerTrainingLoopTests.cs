using System.Globalization;
using System.Text.RegularExpressions;
using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers.Learned;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Tokenizers.Learned;

/// <summary>
/// The training loop as a run shows it: which steps print a progress line, what the line's numbers are (averages
/// of the loss terms since the last line, the pixel term per pixel), when the adversarial term starts, and what
/// <c>artifact.json</c> records of the run. 40 synthetic 16×16 images, batch 16: three steps (16, 16, 8) per epoch.
/// </summary>
public partial class TokenizerTrainingLoopTests
{
    const int Images = 40, Pixels = 16 * 16;

    public TokenizerTrainingLoopTests() => TorchRuntime.EnsureLoaded(threads: 1);

    sealed record ProgressLine(int Epoch, int Step, int Steps, double Loss, double RecPerPixel, double? Kl, double? G, double? Lambda, double? D);

    [GeneratedRegex(@"^\[(?<kind>[a-z-]+)\] epoch (?<epoch>\d+)/2 step (?<step>\d+)/(?<steps>\d+) loss (?<loss>\S+) rec/px (?<rec>\S+)" +
                    @"(?: kl (?<kl>\S+))?(?: g (?<g>\S+) λ (?<lambda>\S+))?(?: d (?<d>\S+))? \(\d+\.\ds\)$")]
    private static partial Regex ProgressPattern();

    /// <summary>Equal up to the rounding of the line's four significant digits (twice: averages of printed values).</summary>
    static void AssertPrinted(double expected, double printed) =>
        Assert.True(Math.Abs(printed / expected - 1) < 1.2e-3, $"printed {printed}, expected {expected}");

    static void Near(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance, $"{actual} is not within {tolerance} of {expected}");

    static double? Number(Group g) => g.Success ? double.Parse(g.Value, CultureInfo.InvariantCulture) : null;

    static (List<ProgressLine> Lines, string Log, LearnedTokenizerArtifact Artifact, double ParameterCount) Run(LearnedTokenizerSpec spec)
    {
        using var scope = NewDisposeScope();
        var dir = LearnedTokenizerTestData.TempDir("loop-" + spec.Kind);
        var train = LearnedTokenizerTestData.ShapesUint8(Images, seed: 21);
        var test = LearnedTokenizerTestData.ShapesUint8(16, seed: 22);
        var log = new StringWriter { NewLine = "\n" };
        using var tokenizer = (LearnedTokenizer)LearnedTokenizerTrainer.Train(spec, train, LearnedTokenizerTestData.Labels(Images),
            test, LearnedTokenizerTestData.Labels(16), dir, log);
        var artifact = LearnedTokenizerArtifact.Read(dir);
        Directory.Delete(dir, recursive: true);
        Assert.All(tokenizer.parameters(), p => Assert.False(p.requires_grad));      // returned frozen
        var lines = new List<ProgressLine>();
        foreach (var text in log.ToString().Split('\n'))
        {
            var m = ProgressPattern().Match(text);
            if (!m.Success) continue;
            Assert.Equal(spec.Kind, m.Groups["kind"].Value);
            lines.Add(new ProgressLine(int.Parse(m.Groups["epoch"].Value), int.Parse(m.Groups["step"].Value), int.Parse(m.Groups["steps"].Value),
                Number(m.Groups["loss"])!.Value, Number(m.Groups["rec"])!.Value, Number(m.Groups["kl"]), Number(m.Groups["g"]),
                Number(m.Groups["lambda"]), Number(m.Groups["d"])));
        }
        return (lines, log.ToString(), artifact, tokenizer.ParameterCount);
    }

    static LearnedTokenizerSpec Spec(string kind, int logEvery) => new()
    {
        Kind = kind, Patch = 4, LatentDim = 3, Epochs = 2, BatchSize = 16, Lr = 3e-3, Seed = 3, LogEvery = logEvery,
    };

    [Fact]
    public void A_line_every_LogEvery_steps_and_at_each_epochs_end_averages_the_terms_since_the_last()
    {
        var (each, log, artifact, parameters) = Run(Spec("patch-ae", logEvery: 1));
        Assert.Equal([1, 2, 3, 4, 5, 6], each.Select(l => l.Step));
        Assert.Equal([1, 1, 1, 2, 2, 2], each.Select(l => l.Epoch));
        Assert.All(each, l => Assert.Equal(6, l.Steps));
        // the AE's loss is its pixel term alone: Σ (x − x̂)² per image, so rec/px = loss / (C·H·W)
        Assert.All(each, l => Near(1.0, l.RecPerPixel * Pixels / l.Loss, 0.01));
        Assert.All(each, l => Assert.True(l.Kl is null && l.G is null && l.D is null));
        Assert.Contains("[patch-ae] p=4 d=3 C=1 16×16: 115 parameters, 40 images, 2 epochs × 3 steps, batch 16, lr 0.003\n", log);
        Assert.DoesNotContain("adversarial", log);
        Assert.Matches(@"\[patch-ae\] trained in \d+\.\ds \(\d+ images/s\); scale factor \S+ \(train latent mean \S+, std \S+\); test PSNR \S+ dB, scaled test latent std \S+\n", log);

        // every second step and at the end of each epoch (step 3 ends epoch 1), averaged since the previous line;
        // the run is the same one (same seed, one thread): only the printing differs
        var (paired, _, pairedArtifact, _) = Run(Spec("patch-ae", logEvery: 2));
        Assert.Equal([2, 3, 4, 6], paired.Select(l => l.Step));
        Assert.Equal([1, 1, 2, 2], paired.Select(l => l.Epoch));
        double Mean(params int[] steps) => steps.Average(s => each[s - 1].Loss);
        AssertPrinted(Mean(1, 2), paired[0].Loss);
        AssertPrinted(Mean(3), paired[1].Loss);
        AssertPrinted(Mean(4), paired[2].Loss);
        AssertPrinted(Mean(5, 6), paired[3].Loss);
        Assert.All(paired, l => Near(1.0, l.RecPerPixel * Pixels / l.Loss, 0.01));

        // artifact.json: the run's facts; the final loss is the last step's
        AssertPrinted(artifact.FinalLoss, each[^1].Loss);
        Assert.Equal(artifact.FinalLoss, pairedArtifact.FinalLoss);
        Assert.Equal((2, 6L, 3), (artifact.Epochs, artifact.Steps, artifact.Seed));
        Assert.Equal((Images, 16), (artifact.TrainImages, artifact.TestImages));
        Assert.Equal(parameters, artifact.Parameters);
        Assert.Equal(0.0, artifact.KlWeight);                  // an AE has no KL term
        Assert.False(artifact.Perceptual || artifact.Adversarial);
        Assert.Null(artifact.AdversarialStartStep);
        Assert.Null(artifact.PerceptualPath);
        Assert.Null(artifact.PosteriorStdScaled);
        Assert.Equal(artifact.LatentMeanRaw * artifact.ScaleFactor, artifact.LatentMeanScaled, 12);
        Assert.Equal(1.0, artifact.LatentStdScaled, 12);
    }

    [Fact]
    public void The_vae_adds_beta_times_kl_and_the_adversarial_term_starts_at_its_step()
    {
        // β = 1 makes the KL visible in the total: loss = rec/px · C·H·W + β · kl before the adversarial phase
        var spec = Spec("patch-vae", logEvery: 1) with { KlWeight = 1.0, Adversarial = true, AdversarialStartStep = 2, DiscriminatorWidth = 8 };
        var (lines, log, artifact, _) = Run(spec);
        Assert.Equal(6, lines.Count);
        Assert.All(lines, l => Assert.NotNull(l.Kl));
        foreach (var l in lines.Take(2))
        {
            Assert.True(l.G is null && l.Lambda is null && l.D is null, $"step {l.Step} is before the adversarial start");
            Near(1.0, (l.RecPerPixel * Pixels + l.Kl!.Value) / l.Loss, 0.01);
        }
        // step index 2 (the third line) is the first with the generator term, λ and the discriminator's loss
        foreach (var l in lines.Skip(2))
        {
            Assert.True(l.G is not null && l.Lambda is not null && l.D is not null, $"step {l.Step} is in the adversarial phase");
            Assert.True(l.Lambda > 0);
            Assert.InRange(l.D!.Value, 0, 4);                 // hinge: 0 ≤ relu(1 − D(x)) + relu(1 + D(x̂)) averaged, small at the start
        }
        Assert.Contains(", adversarial from step 2 (w=0.5)\n", log);
        Assert.Contains(", posterior std ", log);
        Assert.Equal((true, 2L, 1.0), (artifact.Adversarial, artifact.AdversarialStartStep, artifact.KlWeight));
        Assert.NotNull(artifact.PosteriorStdScaled);

        // lines every second step average each term over their own steps (the same run, printed differently)
        var (paired, _, _, _) = Run(spec with { LogEvery = 2 });
        Assert.Equal([2, 3, 4, 6], paired.Select(l => l.Step));
        Near(1.0, (paired[0].RecPerPixel * Pixels + paired[0].Kl!.Value) / paired[0].Loss, 0.01);
        Near(1.0, paired[0].Kl!.Value / ((lines[0].Kl!.Value + lines[1].Kl!.Value) / 2), 0.01);
        Near(1.0, paired[2].Lambda!.Value / lines[3].Lambda!.Value, 0.01);                        // step 4 alone (step 3 ended epoch 1)
        Near(1.0, paired[3].Lambda!.Value / ((lines[4].Lambda!.Value + lines[5].Lambda!.Value) / 2), 0.01);
        Near((lines[4].D!.Value + lines[5].D!.Value) / 2, paired[3].D!.Value, 0.002);           // printed with 3 decimals
        Near((lines[4].G!.Value + lines[5].G!.Value) / 2, paired[3].G!.Value, 0.002);

        // without a start step the adversarial phase is the second half of training
        var (halves, _, halfArtifact, _) = Run(spec with { AdversarialStartStep = null, LogEvery = 1 });
        Assert.Equal(3L, halfArtifact.AdversarialStartStep);
        Assert.Equal([false, false, false, true, true, true], halves.Select(l => l.G is not null));
    }

    [Fact]
    public void One_step_updates_the_discriminator_only_in_the_adversarial_phase()
    {
        using var scope = NewDisposeScope();
        var spec = Spec("patch-vae", logEvery: 1) with { Adversarial = true };
        using var model = LearnedTokenizerTrainer.Create(spec, 1, new TorchSharp.torch.Generator(1, CPU));
        using var discriminator = PatchDiscriminator.Create(1, new TorchSharp.torch.Generator(2, CPU), width: 8, layers: 1);
        var x = TrainingData.ToModelInput(LearnedTokenizerTestData.ShapesUint8(8, seed: 23));
        Tensor[] Weights() => discriminator.parameters().Select(p => p.detach().clone()).ToArray();

        using (var plain = new TokenizerTrainingStep(spec, model, null, null))
            Assert.Throws<InvalidOperationException>(() => plain.Run(x, 0, adversarial: true));

        using var training = new TokenizerTrainingStep(spec, model, null, discriminator);
        var before = Weights();
        var (terms, dLoss) = training.Run(x, 0, adversarial: false);
        Assert.Null(terms.Generator);
        Assert.True(double.IsNaN(dLoss));
        Assert.All(before.Zip(Weights()), w => Assert.True(TensorAssert.Identical(w.First, w.Second)));

        // hinge loss of the discriminator before its update, on x and the step's x̂ detached
        var expected = HingeGanLoss.Discriminator(discriminator.forward(x), discriminator.forward(model.DecodeUnscaled(model.Posterior(x).Mean))).item<float>();
        (terms, dLoss) = training.Run(x, 1, adversarial: true);
        Assert.NotNull(terms.Generator);
        Assert.InRange(dLoss, 0.5 * expected, 2 * expected);      // x̂ there is a posterior sample after one more update, here the mean before it
        Assert.Contains(before.Zip(Weights()), w => !TensorAssert.Identical(w.First, w.Second));
    }
}
