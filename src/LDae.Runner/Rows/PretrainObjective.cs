using LDae.Data;
using LDae.Harness.Config;
using LDae.Method;
using LDae.Training;
using static TorchSharp.torch;

namespace LDae.Rows;

/// <summary>The loss of one pretraining step of a row: what the trainer calls with each batch and step generator.</summary>
public static class PretrainObjective
{
    /// <summary>
    /// uint8 batch → model input → the row's augmentation (unless the method draws its own views) → the method's
    /// loss (<see cref="IPretrainingMethod.Loss"/>), with labels only when the backbone is class-conditional. All randomness of a step (augmentation, t, ε, label dropout) comes from the
    /// step's generator, so a resumed run replays it. The original-image loss's two parts are logged by name.
    /// </summary>
    public static Func<Batch, Generator, StepLoss> For(IPretrainingMethod method, ConfigTree config, Device device)
    {
        var augmentation = method.AugmentsItself ? Augmentation.CenterCrop : Augmentation.FromName(config.Text("data.augment"));
        bool labelled = config.Bool("backbone.class_conditional");
        return (batch, g) =>
        {
            var images = augmentation.Apply(ImageDataset.ToModelInput(batch.X), g).to(device);
            var parts = method.Loss(images, labelled ? batch.Y!.to(device) : null, g);
            var named = new Dictionary<string, Tensor>();
            if (parts.Subspace is not null) named["subspace"] = parts.Subspace;
            if (parts.Residual is not null) named["residual"] = parts.Residual;
            return new StepLoss(parts.Total, named.Count > 0 ? named : null);
        };
    }
}
