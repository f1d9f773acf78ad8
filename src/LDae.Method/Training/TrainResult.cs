namespace LDae.Training;

/// <summary>Summary of a training run (across resumes if it was interrupted).</summary>
/// <param name="FinalLoss">Mean loss of the last <see cref="TrainOptions.FinalLossWindow"/> log lines (NaN if none yet).</param>
/// <param name="FinalParts">Same mean for each named loss part.</param>
/// <param name="Steps">Completed optimizer steps.</param>
/// <param name="TotalSteps">Steps of the full run.</param>
/// <param name="ImagesSeen">Training examples consumed.</param>
/// <param name="WallSeconds">Training wall time, summed across resumes.</param>
/// <param name="ImagesPerSecond">ImagesSeen / WallSeconds.</param>
/// <param name="Completed">False if the run stopped early (StopAfterSteps or cancellation); a checkpoint allows resuming.</param>
public sealed record TrainResult(
    double FinalLoss,
    IReadOnlyDictionary<string, double> FinalParts,
    long Steps,
    long TotalSteps,
    long ImagesSeen,
    double WallSeconds,
    double ImagesPerSecond,
    bool Completed);
