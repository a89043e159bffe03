"""The model gate: a newly trained model serves visitors only when it is not worse.

``make train`` keeps the last few models and compares a new one with the model that
serves, on the held-out NLU set and the test stories; ``make run`` switches to it only
when no figure is worse by more than the margin (or when forced), and ``make rollback``
goes back. The state lives in the models folder (``gate.json`` and the link
``approved/model.tar.gz``), so that every Rasa replica sharing that folder loads the
approved model.
"""
