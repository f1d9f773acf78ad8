namespace LDae.Training;

/// <summary>
/// Linear warm-up followed by half-cosine decay to a floor, the schedule of MAE and of most ViT recipes,
/// as a pure function of the 0-based optimizer step.
/// </summary>
/// <remarks>
/// <para>Warm-up (step &lt; W): lr = peak · (step + 1) / W, so the first step already moves the weights and
/// step W − 1 reaches the peak. (MAE's per-iteration formula starts at exactly 0; the one-step shift avoids a
/// wasted step and is otherwise immaterial.)</para>
/// <para>Decay (W ≤ step): lr = min + (peak − min) · ½ (1 + cos(π (step − W) / (T − W))), which is the peak at
/// step W, the mean of peak and min half-way, and min at step T. Steps beyond T stay at min.</para>
/// </remarks>
public sealed record LearningRateSchedule(double PeakLr, double MinLr, long WarmupSteps, long TotalSteps)
{
    public double At(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "steps are counted from 0");
        if (step < WarmupSteps) return PeakLr * (step + 1) / WarmupSteps;
        if (step >= TotalSteps) return MinLr;
        double progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return MinLr + (PeakLr - MinLr) * 0.5 * (1.0 + Math.Cos(Math.PI * progress));
    }
}
