-- DropTable
DROP TABLE "routing"."route_options";
