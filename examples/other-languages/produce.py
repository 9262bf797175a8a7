# Publishing Sluice tasks from Python (redis-py): the wire format is plain stream fields.
import json
import os

import redis

r = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
for order_id in range(3):
    r.xadd("sluice:{orders}", {"v": "1", "data": json.dumps({"orderId": order_id}), "key": f"customer-{order_id}"})
