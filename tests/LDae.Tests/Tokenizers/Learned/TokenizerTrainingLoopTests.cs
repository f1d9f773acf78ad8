using System.Globalization;
using System.Text.RegularExpressions;
using LDae.Runtime;
using LDae.Tokenizers.Learned;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Tokenizers.Learned;

/// <summary>
/// The training loop as a run shows it: which steps print a progress line, what the line's numbers are (averages
/// of the loss terms since the last line, the pixel term per pixel), when the adversarial term starts, and what
/// <c>artifact.json</c> records of the run. 48 synthetic 16×16 images, batch 16: three steps per epoch.
/// </summary>
public partial class TokenizerTrainingLoopTests
{
    const int Images = 48, Pixels = 16 * 16;

    public TokenizerTrainingLoopTests() => TorchRuntime.EnsureLoaded(threads: 1);

    sealed record ProgressLine(int Epoch, int Step, int Steps, double Loss, double RecPerPixel, double? Kl, double? G, double? Lambda, double? D);

    [GeneratedRegex(@"^\[(?<kind>[a-z-]+)\] epoch (?<epoch>\d+)/2 step (?<step>\d+)/(?<steps>\d+) loss (?<loss>\S+) rec/px (?<rec>\S+)" +
                    @"(?: kl (?<kl>\S+))?(?: g (?<g>\S+) λ (?<lambda>\S+))?(?: d (?<d>\S+))? \(\d+\.\ds\)$")]
    private static partial Regex ProgressPattern();

    /// <summary>Equal up to the rounding of the line's four significant digits (twice: averages of printed values).</summary>
    static void AssertPrinted(double expected, double printed) =>
        Assert.True(Math.Abs(printed / expected - 1) < 1.2e-3, $"printed {printed}, expected {expected}");

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
        var (each, _, artifact, parameters) = Run(Spec("patch-ae", logEvery: 1));
        Assert.Equal([1, 2, 3, 4, 5, 6], each.Select(l => l.Step));
        Assert.Equal([1, 1, 1, 2, 2, 2], each.Select(l => l.Epoch));
        Assert.All(each, l => Assert.Equal(6, l.Steps));
        // the AE's loss is its pixel term alone: Σ (x − x̂)² per image, so rec/px = loss / (C·H·W)
        Assert.All(each, l => Assert.Equal(1.0, l.RecPerPixel * Pixels / l.Loss, 2));
        Assert.All(each, l => Assert.True(l.Kl is null && l.G is null && l.D is null));

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
        var spec = Spec("patch-vae", logEvery: 1) with { KlWeight = 1.0, Adversarial = true, AdversarialStartStep = 3, DiscriminatorWidth = 8 };
        var (lines, log, artifact, _) = Run(spec);
        Assert.Equal(6, lines.Count);
        Assert.All(lines, l => Assert.NotNull(l.Kl));
        foreach (var l in lines.Take(3))
        {
            Assert.True(l.G is null && l.Lambda is null && l.D is null, $"step {l.Step} is before the adversarial start");
            Assert.Equal(1.0, (l.RecPerPixel * Pixels + l.Kl!.Value) / l.Loss, 2);
        }
        // step index 3 (the fourth line) is the first with the generator term, λ and the discriminator's loss
        foreach (var l in lines.Skip(3))
        {
            Assert.True(l.G is not null && l.Lambda is not null && l.D is not null, $"step {l.Step} is in the adversarial phase");
            Assert.True(l.Lambda > 0);
            Assert.InRange(l.D!.Value, 0, 4);                 // hinge: 0 ≤ relu(1 − D(x)) + relu(1 + D(x̂)) averaged, small at the start
        }
        Assert.Contains("adversarial from step 3 (w=0.5)", log);
        Assert.Equal((true, 3L, 1.0), (artifact.Adversarial, artifact.AdversarialStartStep, artifact.KlWeight));
        Assert.NotNull(artifact.PosteriorStdScaled);

        // without a start step the adversarial phase is the second half of training
        var (halves, _, halfArtifact, _) = Run(spec with { AdversarialStartStep = null });
        Assert.Equal(3L, halfArtifact.AdversarialStartStep);
        Assert.Equal([false, false, false, true, true, true], halves.Select(l => l.G is not null));
    }
}
