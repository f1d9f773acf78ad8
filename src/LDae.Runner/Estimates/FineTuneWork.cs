using LDae.Rows;
using LDae.Harness.Config;
using LDae.Models;

namespace LDae.Estimates;

/// <summary>
/// The work of a fine-tuning row's fine-tuning: forward and backward (3 × forward) of the read-out's blocks for every
/// training image of every epoch, at the rate of this shape's fine-tuning step (<see cref="WorkKind.FineTune"/>: its
/// augmentations, drop path, layer-decay AdamW and EMA included), and a forward pass over the test split after each epoch.
/// </summary>
static class FineTuneWork
{
    public static IReadOnlyList<Work> Of(ConfigTree c, DatasetSize data)
    {
        var o = FineTuneSettings.Options(c);
        long batch = Math.Min(o.BatchSize, data.Train), steps = data.Train / batch * o.Epochs;
        double training = TrainingFlopsPerImage(c, data.ImageSize);
        return
        [
            new Work(Workload.For(WorkKind.FineTune, c), $"fine-tune {steps:N0} steps × {batch}", training * steps * batch),
            new Work(Workload.For(WorkKind.Features, c), $"validation {o.Epochs} × {data.Test:N0} images", training / 3 * o.Epochs * data.Test),
        ];
    }

    /// <summary>FLOPs of one training image of a fine-tuning step: 3 × the forward pass through the read-out's blocks.</summary>
    public static double TrainingFlopsPerImage(ConfigTree c, int imageSize)
    {
        var shape = RunSettings.Backbone(c, imageSize);
        return 3 * BackboneFlops.PerImage(shape) * c.Int("probe.blocks") / shape.Depth;
    }
}
