from pyspire.executor.connection_strings import connection_properties


def test_uri_connection_string():
    props = connection_properties("postgresql://app%40x:p%3Bw@db.local:6543/orders?sslmode=disable")
    assert props["HOST"] == "db.local"
    assert props["PORT"] == "6543"
    assert props["USERNAME"] == "app@x"
    assert props["PASSWORD"] == "p;w"
    assert props["DATABASE"] == "orders"
    assert props["URI"].startswith("postgresql://")


def test_key_value_connection_string():
    props = connection_properties("Host=db;Port=5432;Username=u;Password=secret;Database=shop;Pooling=true")
    assert props == {"HOST": "db", "PORT": "5432", "USERNAME": "u", "PASSWORD": "secret", "DATABASE": "shop"}


def test_redis_style_host_port():
    assert connection_properties("Server=cache:6380;password=x") == {
        "HOST": "cache",
        "PORT": "6380",
        "PASSWORD": "x",
    }


def test_opaque_value_has_no_properties():
    assert connection_properties("just-a-token") == {}
