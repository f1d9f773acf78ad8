using LDae.Objectives;
using static TorchSharp.torch;

namespace LDae.Method;

/// <summary>
/// What the harness needs of a self-supervised method (the paper's l-DAE, or a Table 4 baseline): the loss of one
/// batch, and the frozen representation the shared linear probe and kNN read. The trainer, checkpoints and the probe
/// know a method only through this and <see cref="TorchSharp.torch.nn.Module"/>.
/// </summary>
public interface IPretrainingMethod : IDisposable
{
    /// <summary>
    /// One training loss on N×C×H×W images in [-1, 1]; all randomness from <paramref name="g"/>. <paramref name="labels"/>
    /// only for a class-conditional denoiser.
    /// </summary>
    LossParts Loss(Tensor images, Tensor? labels, Generator g);

    /// <summary>The representation for the probe: N×width (mean-pooled tokens), or N×L×width without pooling.</summary>
    Tensor Features(Tensor images, ProbeReadout? readout = null, Generator? noise = null, bool meanPool = true);

    /// <summary>
    /// Whether the method draws its own augmented views (MoCo v3's two views): the row's pretraining augmentation
    /// (data.augment) is then not applied on top.
    /// </summary>
    bool AugmentsItself => false;
}
