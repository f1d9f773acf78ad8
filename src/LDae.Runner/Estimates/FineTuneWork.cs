using LDae.Rows;
using LDae.Harness.Config;
using LDae.Models;

namespace LDae.Estimates;

/// <summary>
/// The work of a fine-tuning row's fine-tuning: forward and backward (3 × forward) of the read-out's blocks for every
/// training image of every epoch, and a forward pass over the test split after each epoch. Timed at the rate of this
/// shape's pretraining step (the same blocks trained with AdamW); the augmentations' own cost is not counted.
/// </summary>
static class FineTuneWork
{
    public static IReadOnlyList<Work> Of(ConfigTree c, DatasetSize data)
    {
        var shape = RunSettings.Backbone(c, data.ImageSize);
        double readout = BackboneFlops.PerImage(shape) * c.Int("probe.blocks") / shape.Depth;
        var o = FineTuneSettings.Options(c);
        long batch = Math.Min(o.BatchSize, data.Train), steps = data.Train / batch * o.Epochs;
        return
        [
            new Work(Workload.For(WorkKind.Pretrain, c), $"fine-tune {steps:N0} steps × {batch}", 3 * readout * steps * batch),
            new Work(Workload.For(WorkKind.Features, c), $"validation {o.Epochs} × {data.Test:N0} images", readout * o.Epochs * data.Test),
        ];
    }
}
