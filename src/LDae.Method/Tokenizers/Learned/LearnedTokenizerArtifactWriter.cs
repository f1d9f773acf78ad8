namespace LDae.Tokenizers.Learned;

/// <summary>What a tokenizer's training produced besides its weights: the facts <c>artifact.json</c> records.</summary>
sealed record TokenizerTrainingOutcome(
    int ImageChannels, int ImageSize, long Steps, long? AdversarialStartStep, int TrainImages, int TestImages,
    LearnedTokenizerTrainer.Evaluation Test, double LatentMeanRaw, double LatentStdRaw,
    double? PerceptualTestAccuracy, string? PerceptualPath, double FinalLoss, double TrainSeconds);

/// <summary>
/// Writes a trained tokenizer as an artifact folder: <c>tokenizer.bin</c> (atomic) and then <c>artifact.json</c>
/// (atomic, last, so its presence means "complete").
/// </summary>
static class LearnedTokenizerArtifactWriter
{
    /// <summary>
    /// Removes the "complete" marker before a run into the same folder, so a crash cannot leave an artifact.json
    /// describing weights the run did not produce.
    /// </summary>
    public static void WithdrawCompleteMarker(string artifactDir)
    {
        var marker = Path.Combine(artifactDir, LearnedTokenizerArtifact.FileName);
        if (File.Exists(marker)) File.Delete(marker);
    }

    public static void Write(string artifactDir, LearnedTokenizerSpec spec, LearnedTokenizer model, TokenizerTrainingOutcome outcome)
    {
        Directory.CreateDirectory(artifactDir);
        model.Save(Path.Combine(artifactDir, LearnedTokenizerArtifact.WeightsFileName));
        new LearnedTokenizerArtifact
        {
            Kind = spec.Kind,
            Patch = spec.Patch,
            LatentDim = spec.LatentDim,
            ImageChannels = outcome.ImageChannels,
            ImageSize = outcome.ImageSize,
            Perceptual = spec.Perceptual,
            Adversarial = spec.Adversarial,
            Epochs = spec.Epochs,
            Steps = outcome.Steps,
            Seed = spec.Seed,
            KlWeight = model.IsVariational ? spec.KlWeight : 0,
            Parameters = model.ParameterCount,
            TrainImages = outcome.TrainImages,
            TestImages = outcome.TestImages,
            TestPsnr = outcome.Test.Psnr,
            ScaleFactor = model.ScaleFactor,
            LatentMeanRaw = outcome.LatentMeanRaw,
            LatentStdRaw = outcome.LatentStdRaw,
            LatentMeanScaled = outcome.LatentMeanRaw * model.ScaleFactor,
            LatentStdScaled = outcome.LatentStdRaw * model.ScaleFactor,
            TestLatentStdScaled = outcome.Test.LatentStd,
            PosteriorStdScaled = outcome.Test.PosteriorStd,
            AdversarialStartStep = outcome.AdversarialStartStep,
            PerceptualTestAccuracy = outcome.PerceptualTestAccuracy,
            PerceptualPath = outcome.PerceptualPath,
            FinalLoss = outcome.FinalLoss,
            TrainSeconds = outcome.TrainSeconds,
        }.Write(artifactDir);
    }
}
