"""A collapsed model on purpose, as a user plugin (imported through ``custom_imports``):
BYOV whose every frame embedding is the same vector."""
from byov.models.byov import BYOV
from byov.registry import MODELS


@MODELS.register_module()
class CollapsedBYOV(BYOV):
    """BYOV that embeds every frame of every video as ones."""

    def predict(self, inputs, data_samples=None):
        outputs = super().predict(inputs, data_samples)
        for sample in outputs:
            sample.embeds = sample.embeds * 0 + 1
        return outputs
