using LDae.Files;

using System.Text.Json;
using System.Text.Json.Serialization;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// <c>artifact.json</c> of a trained tokenizer, written last (its presence means the artifact is complete): what
/// was trained and how well it reconstructs. Latent statistics are over all latent values of the training split
/// (posterior means), before and after the scale factor.
/// </summary>
public sealed record LearnedTokenizerArtifact
{
    /// <summary>The manifest whose presence marks a complete artifact: the build's <c>TokenizerArtifact.ManifestFile</c> names the same file.</summary>
    public const string FileName = "artifact.json";
    public const string WeightsFileName = "tokenizer.bin";

    public required string Kind { get; init; }
    public required int Patch { get; init; }
    public required int LatentDim { get; init; }
    public required int ImageChannels { get; init; }
    public required int ImageSize { get; init; }
    public required bool Perceptual { get; init; }
    public required bool Adversarial { get; init; }
    public required int Epochs { get; init; }
    public required long Steps { get; init; }
    public required int Seed { get; init; }
    public required double KlWeight { get; init; }
    public required long Parameters { get; init; }
    public required int TrainImages { get; init; }
    public required int TestImages { get; init; }

    /// <summary>Mean per-image PSNR (dB) of decode(encode(x)) on the test split, images clamped to [0, 1].</summary>
    public required double TestPsnr { get; init; }

    public required double ScaleFactor { get; init; }
    public required double LatentMeanRaw { get; init; }
    public required double LatentStdRaw { get; init; }
    public required double LatentMeanScaled { get; init; }
    public required double LatentStdScaled { get; init; }

    /// <summary>Std of the scaled latents on the test split (a check that the scale transfers).</summary>
    public required double TestLatentStdScaled { get; init; }

    /// <summary>VAEs: mean posterior standard deviation on the test split, in scaled units (null for the AE).</summary>
    public double? PosteriorStdScaled { get; init; }

    /// <summary>Adversarial runs: the step the discriminator started at.</summary>
    public long? AdversarialStartStep { get; init; }

    public double? PerceptualTestAccuracy { get; init; }
    public string? PerceptualPath { get; init; }
    public required double FinalLoss { get; init; }
    public required double TrainSeconds { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public static LearnedTokenizerArtifact Read(string artifactDir)
    {
        var path = Path.Combine(artifactDir, FileName);
        return JsonSerializer.Deserialize<LearnedTokenizerArtifact>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path}: empty artifact description");
    }

    /// <summary>Writes <c>artifact.json</c> atomically (temp file + rename).</summary>
    public void Write(string artifactDir) => LDae.Files.AtomicFile.WriteText(Path.Combine(artifactDir, FileName), ToJson());
}
