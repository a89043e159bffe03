"""Starting and stopping the assistant's real processes for the end-to-end, scale-out and
benchmark runs: Rasa and action-server replicas, the outbox worker, PostgreSQL databases
and RabbitMQ queues of their own."""
