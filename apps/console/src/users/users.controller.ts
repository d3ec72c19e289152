import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { addUserRequestSchema, resetPasswordRequestSchema } from '@concord/contracts';
import { Audited, Permission } from '../auth/caller';
import { parseRequest } from '../http/problems';
import { UsersService } from './users.service';

/** Users, for admins: list, add, disable, enable, set a new password. */
@Controller('ops/v1/users')
export class UsersController {
  constructor(@Inject(UsersService) private readonly users: UsersService) {}

  @Get()
  @Permission('users.manage')
  async list() {
    return { users: await this.users.list() };
  }

  @Post()
  @Permission('users.manage')
  @Audited('user.add')
  async add(@Body() body: unknown) {
    return { user: await this.users.add(parseRequest(addUserRequestSchema, body)) };
  }

  @Post(':username/disable')
  @HttpCode(200)
  @Permission('users.manage')
  @Audited('user.disable')
  async disable(@Param('username') username: string) {
    return { user: await this.users.setStatus(username, 'disabled') };
  }

  @Post(':username/enable')
  @HttpCode(200)
  @Permission('users.manage')
  @Audited('user.enable')
  async enable(@Param('username') username: string) {
    return { user: await this.users.setStatus(username, 'active') };
  }

  @Post(':username/password')
  @HttpCode(200)
  @Permission('users.manage')
  @Audited('user.password-reset')
  async reset(@Param('username') username: string, @Body() body: unknown) {
    const { password } = parseRequest(resetPasswordRequestSchema, body);
    return { user: await this.users.resetPassword(username, password) };
  }
}
